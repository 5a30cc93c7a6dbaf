// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which command lines start loading libegemma early: only those that will open a GGUF model on a backend that may be native. */
class NativePreloadTest {
    @Test
    void ggufCommandsOnTheDefaultOrNativeBackendPreload() {
        assertTrue(NativePreload.wanted("embed", new String[] {"embed", "-m", "m.gguf", "Hello"}));
        assertTrue(NativePreload.wanted("bench", new String[] {"bench", "-m", "m.gguf", "--backend", "native"}));
        assertTrue(NativePreload.wanted("serve", new String[] {"serve", "-m", "a=m.gguf", "--backend=auto"}));
    }

    @Test
    void theJavaBackendStaticTablesAndOtherCommandsDoNot() {
        assertFalse(NativePreload.wanted("embed", new String[] {"embed", "-m", "m.gguf", "--backend", "java", "Hello"}));
        assertFalse(NativePreload.wanted("embed", new String[] {"embed", "--backend=JAVA", "-m", "m.gguf", "Hello"}));
        assertFalse(NativePreload.wanted("bench", new String[] {"bench", "-m", "table.EMB8"}));
        assertFalse(NativePreload.wanted("tokenize", new String[] {"tokenize", "-m", "m.gguf", "Hello"}));
        assertFalse(NativePreload.wanted("synth", new String[] {"synth", "-o", "x.gguf"}));
        assertFalse(NativePreload.wanted(null, new String[] {"--version"}));
    }
}
