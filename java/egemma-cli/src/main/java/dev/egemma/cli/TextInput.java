// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code -i FILE|-} and {@code --input-format text|jsonl} input shared by the commands that read texts. Every
 * problem names the input and the line: invalid UTF-8 (refused from a file and from stdin alike, never replaced),
 * a line that is not JSON, a record without a string "text".
 */
final class TextInput {
    /** Receives each text with its 1-based line number. */
    interface TextSink {
        void accept(String text, int line) throws IOException;
    }

    private TextInput() {}

    /** "stdin" for "-", else the path as given: how messages name the input. */
    static String name(String input) {
        return "-".equals(input) ? "stdin" : input;
    }

    /**
     * Reads {@code input} ("-" for stdin) line by line: each line is a text, or with {@code jsonl} each non-blank line
     * a JSON object whose string field "text" is the text.
     */
    static void forEachText(String input, boolean jsonl, ObjectMapper json, TextSink sink) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream("-".equals(input) ? System.in : Files.newInputStream(Path.of(input)), 1 << 16)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            for (int n = 1; readLine(in, bytes); n++) {
                String line;
                try {
                    line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw new CliErrors.Failure(name(input) + ":" + n + ": not valid UTF-8", e);
                }
                if (!jsonl) {
                    sink.accept(line, n);
                    continue;
                }
                if (line.isBlank()) continue;
                String text;
                try {
                    text = textField(json, line);
                } catch (JsonProcessingException e) {
                    throw new CliErrors.Failure(name(input) + ":" + n + ": not JSON: " + e.getOriginalMessage());
                }
                if (text == null) throw new CliErrors.Failure(name(input) + ":" + n + ": expected an object with a string \"text\" field");
                sink.accept(text, n);
            }
        }
    }

    /**
     * The next line's bytes into {@code line} (cleared first), without its terminator: "\n", "\r\n" or a lone "\r",
     * as {@link java.io.BufferedReader#readLine} ends lines. Bytes, not chars, so that a UTF-8 error is blamed on
     * its own line (a decoding reader reports it when it decodes ahead, lines later). False at the end of input.
     */
    private static boolean readLine(InputStream in, ByteArrayOutputStream line) throws IOException {
        line.reset();
        int b = in.read();
        if (b < 0) return false;
        for (; b >= 0 && b != '\n'; b = in.read()) {
            if (b == '\r') {
                in.mark(1);
                if (in.read() != '\n') in.reset();
                return true;
            }
            line.write(b);
        }
        return true;
    }

    /**
     * The string field "text" of one JSON Lines record, or null when the line is JSON but has no such field.
     * Malformed JSON is a {@link JsonProcessingException}.
     */
    private static String textField(ObjectMapper json, String line) throws JsonProcessingException {
        JsonNode node = json.readTree(line);
        JsonNode text = node == null ? null : node.get("text");
        return text == null || !text.isTextual() ? null : text.textValue();
    }
}
