package dev.egemma.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
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
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("egemma tokenize: cannot load the tokenizer from " + model + ": " + e.getMessage());
            return 1;
        }
        PrintStream stdout = System.out;
        OutputStream out = new BufferedOutputStream(stdout, 1 << 16);
        try {
            for (String t : texts) write(out, tokenizer, t);
            if (input != null) {
                boolean stdin = input.equals("-");
                try (BufferedReader r = TextInput.open(input)) {
                    String line;
                    for (int n = 1; (line = r.readLine()) != null; n++) {
                        if (inputFormat == InputFormat.jsonl) {
                            if (line.isBlank()) continue;
                            String text = textField(line, n);
                            if (text == null) return 1;
                            write(out, tokenizer, text);
                        } else {
                            write(out, tokenizer, line);
                        }
                        if (stdin) out.flush();
                    }
                } catch (IOException e) {
                    System.err.println("egemma tokenize: cannot read " + (stdin ? "stdin" : input) + ": " + e);
                    return 1;
                }
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    /** The "text" field of a JSON Lines record, or null after reporting what is wrong with line {@code n}. */
    private String textField(String line, int n) {
        String text;
        try {
            text = TextInput.textField(json, line);
        } catch (JsonProcessingException e) {
            System.err.println("egemma tokenize: " + input + " line " + n + ": not JSON: " + e.getOriginalMessage());
            return null;
        }
        if (text == null)
            System.err.println("egemma tokenize: " + input + " line " + n + ": expected an object with a string \"text\" field");
        return text;
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
