package dev.egemma.server;

import java.nio.file.Path;

/**
 * A model to serve: {@code NAME=PATH}, or just {@code PATH} (named after the file, without {@code .gguf} or
 * {@code .emb8}). PATH is a GGUF model or an EMB8 static table, e.g. {@code gemma-static=model.emb8}.
 */
public record ModelSpec(String name, Path path) {
    public ModelSpec {
        if (name.isBlank()) throw new IllegalArgumentException("model name must not be empty");
        if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\'))
            throw new IllegalArgumentException("model name '" + name + "' must be printable ASCII without spaces, quotes or backslashes");
    }

    public static ModelSpec parse(String arg) {
        int eq = arg.indexOf('=');
        if (eq > 0) return new ModelSpec(arg.substring(0, eq), Path.of(arg.substring(eq + 1)));
        if (eq == 0) throw new IllegalArgumentException("'" + arg + "': the model name before '=' is empty");
        Path p = Path.of(arg);
        String file = p.getFileName().toString();
        boolean ext = file.length() > 5 && (file.endsWith(".gguf") || file.endsWith(".emb8"));
        return new ModelSpec(ext ? file.substring(0, file.length() - 5) : file, p);
    }
}
