// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.nio.file.Path;

/**
 * A model to serve: {@code NAME=PATH}, or just {@code PATH} (named after the file, without {@code .gguf} or
 * {@code .emb8}). PATH is a GGUF model or an EMB8 static table, e.g. {@code gemma-static=model.emb8}.
 *
 * @param name the name clients ask for (the {@code model} field), printable ASCII without spaces, quotes or backslashes
 * @param path the model file
 */
public record ModelSpec(String name, Path path) {
    /**
     * Checks the name.
     *
     * @throws IllegalArgumentException if the name is blank or has other characters than printable ASCII, or has
     *         spaces, quotes or backslashes
     */
    public ModelSpec {
        if (name.isBlank()) throw new IllegalArgumentException("model name must not be empty");
        if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\'))
            throw new IllegalArgumentException("model name '" + name + "' must be printable ASCII without spaces, quotes or backslashes");
    }

    /**
     * The spec a command-line argument gives.
     *
     * @param arg {@code NAME=PATH} or {@code PATH}, as given on the command line
     * @return the spec
     * @throws IllegalArgumentException if the name is empty or invalid
     */
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
