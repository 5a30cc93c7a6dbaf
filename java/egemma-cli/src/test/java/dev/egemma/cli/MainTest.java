// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

/** The entry point: only the named subcommand is built, yet usage, help and options before the name still work. */
class MainTest {
    static final String MODEL = CliTestSupport.testdata("golden/small-dense-q8_0.gguf").toString();

    @Test
    void usageAndHelpListEverySubcommand() {
        CliTestSupport.Result usage = CliTestSupport.run();
        for (String c : new String[] {"bench", "caps", "distill", "embed", "export-embeddings", "inspect", "quantize", "serve", "synth", "tokenize"})
            assertTrue(usage.out().contains(c), c + " missing from: " + usage.out());
        CliTestSupport.Result help = CliTestSupport.run("help", "embed");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: egemma embed"), help.out());
    }

    @Test
    void anOptionBeforeTheSubcommandAndAnUnknownName() {
        CliTestSupport.Result r = CliTestSupport.run("-v", "embed", "-m", MODEL, "hello");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("{\"index\": 0"), r.out());
        CliTestSupport.Result unknown = CliTestSupport.run("embedd", "-m", MODEL);
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().startsWith("egemma: ") && unknown.err().contains("embedd"), unknown.err());
    }

    @Test
    void aClosedPipeIsToldApartFromAFullDisk() {
        StdoutErrors.reset();
        OutputStream pipe = new StdoutErrors(failing("Broken pipe"));
        assertThrows(IOException.class, () -> pipe.write(1));
        assertTrue(StdoutErrors.pipeClosed(), "EPIPE: the reader stopped (| head), exit 141 without a message");
        StdoutErrors.reset();
        OutputStream full = new StdoutErrors(failing("No space left on device"));
        assertThrows(IOException.class, () -> full.write(1));
        assertFalse(StdoutErrors.pipeClosed(), "a full disk is reported");
        StdoutErrors.reset();
    }

    /** A stream whose every write fails as the OS reports {@code message}. */
    private static OutputStream failing(String message) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException(message);
            }
        };
    }
}
