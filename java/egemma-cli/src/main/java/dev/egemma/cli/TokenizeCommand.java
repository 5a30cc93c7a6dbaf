// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egemma.gguf.GgufFile;
import dev.egemma.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code egemma tokenize}: token ids (llama.cpp's, exactly) of texts from the command line, a file or stdin,
 * one JSON object per line on stdout. Output is written as UTF-8 bytes whatever the platform encoding.
 */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
                "Tokenize texts as llama.cpp does; print one JSON object per text: {\"text\": ..., \"ids\": [...]}.",
                "Texts come from the TEXT arguments, then from -i (one text per line, or JSON Lines with a \"text\" field)."
        })
public final class TokenizeCommand implements Callable<Integer> {
    enum InputFormat { text, jsonl }

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "GGUF file with a tokenizer.ggml.* vocabulary.")
    Path model;

    @Parameters(arity = "0..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts = new ArrayList<>();

    @Option(names = {"-i", "--input"}, paramLabel = "FILE|-", description = "Read texts from FILE, or stdin for '-'.")
    String input;

    @Option(names = "--input-format", paramLabel = "text|jsonl", defaultValue = "text",
            description = "text: one text per line (line ends stripped); jsonl: one JSON object per line with a \"text\" field. Default: ${DEFAULT-VALUE}.")
    InputFormat inputFormat;

    @Option(names = "--no-special", description = "Do not add BOS/EOS.")
    boolean noSpecial;

    @Option(names = "--no-parse-special", description = "Tokenize control-token texts such as <start_of_turn> as plain text.")
    boolean noParseSpecial;

    @Option(names = "--pieces", description = "Also print each token's vocabulary text.")
    boolean pieces;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        if (texts.isEmpty() && input == null)
            throw new ParameterException(spec.commandLine(), "give TEXT arguments or -i FILE (- for stdin)");
        Tokenizer tokenizer;
        try (GgufFile f = GgufFile.open(model)) {
            tokenizer = Tokenizer.fromGguf(f);
        }
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        try {
            for (String t : texts) write(out, tokenizer, t);
            if (input != null) {
                boolean stdin = input.equals("-");
                TextInput.forEachText(input, inputFormat == InputFormat.jsonl, json, (text, line) -> {
                    write(out, tokenizer, text);
                    if (stdin) out.flush(); // a line in, its ids out: usable as a co-process
                });
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    private void write(OutputStream out, Tokenizer tokenizer, String text) throws IOException {
        int[] ids = tokenizer.encode(text, !noSpecial, !noParseSpecial);
        ObjectNode o = json.createObjectNode();
        o.put("text", text);
        ArrayNode a = o.putArray("ids");
        for (int id : ids) a.add(id);
        if (pieces) {
            ArrayNode p = o.putArray("pieces");
            for (int id : ids) p.add(tokenizer.piece(id));
        }
        out.write(json.writeValueAsBytes(o));
        out.write('\n');
    }
}
