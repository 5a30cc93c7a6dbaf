// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A command's {@code -o FILE}: any failure to create, write or close it is one message naming the file. */
final class OutputFile {
    /** Writes the whole output through a buffered stream. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private OutputFile() {}

    static void write(Path file, Body body) {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            body.writeTo(os);
        } catch (FileSystemException e) { // names the file itself: "F: Permission denied"
            throw new CliErrors.Failure("cannot write " + CliErrors.message(e), e);
        } catch (IOException e) { // e.g. "No space left on device", without the file
            throw new CliErrors.Failure("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
