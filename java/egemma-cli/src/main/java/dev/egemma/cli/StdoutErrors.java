// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Why standard output failed. {@code System.out} keeps only a flag; the launcher's stdout is wrapped so that the
 * first write error is kept too, and a reader that stopped reading ({@code egemma embed ... | head}: EPIPE) ends
 * the run quietly with 141, as a command killed by SIGPIPE does, instead of reporting a full disk.
 */
final class StdoutErrors extends FilterOutputStream {
    /** 128 + SIGPIPE: what shells show for a writer whose reader went away. */
    static final int EXIT_PIPE_CLOSED = 141;
    private static volatile IOException first;

    StdoutErrors(OutputStream out) {
        super(out);
    }

    /** Replaces {@code System.out} by the same stream, its errors recorded (the CLI's main only; tests keep theirs). */
    static void install() {
        String enc = System.getProperty("stdout.encoding");
        Charset cs = enc != null && Charset.isSupported(enc) ? Charset.forName(enc) : Charset.defaultCharset();
        System.setOut(new PrintStream(new StdoutErrors(new FileOutputStream(FileDescriptor.out)), true, cs));
    }

    /** Whether standard output failed because its reader closed the pipe. */
    static boolean pipeClosed() {
        IOException e = first;
        return e != null && e.getMessage() != null && e.getMessage().contains("Broken pipe");
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw record(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw record(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw record(e);
        }
    }

    private static IOException record(IOException e) {
        if (first == null) first = e;
        return e;
    }

    /** Forgets the recorded error (tests). */
    static void reset() {
        first = null;
    }
}
