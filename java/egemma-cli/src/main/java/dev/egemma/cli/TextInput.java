package dev.egemma.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code -i FILE|-} and {@code --input-format text|jsonl} input shared by the commands that read texts. */
final class TextInput {
    private TextInput() {}

    /** The texts of {@code input}, UTF-8: standard input for "-", else the file. */
    static BufferedReader open(String input) throws IOException {
        return "-".equals(input) ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
    }

    /**
     * The string field "text" of one JSON Lines record, or null when the line is JSON but has no such field.
     * Malformed JSON is a {@link JsonProcessingException}; each command words its own message.
     */
    static String textField(ObjectMapper json, String line) throws JsonProcessingException {
        JsonNode node = json.readTree(line);
        JsonNode text = node == null ? null : node.get("text");
        return text == null || !text.isTextual() ? null : text.textValue();
    }
}
