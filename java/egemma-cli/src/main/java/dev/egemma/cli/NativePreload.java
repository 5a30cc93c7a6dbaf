// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.kernels.Backends;

import java.util.Locale;
import java.util.Set;

/**
 * Starts loading libegemma on a daemon thread as soon as the CLI knows it will open a GGUF model on the native backend,
 * so that finding, loading and linking the library (~0.1 s in a cold JVM, most of it the JDK's linker starting) runs
 * while picocli builds and parses the command line and the model file is read, not before the model's open can end.
 * {@code Embedder.open} then finds the process's backend selection made (or waits for the one in progress: the JVM's
 * class initialization runs it once).
 *
 * <p>Not started for {@code --backend java} or a static table ({@code .emb8}): those never load the library, and a
 * platform without one would print the fallback warning for nothing.
 */
final class NativePreload {
    /** The commands that open a GGUF model with kernels. */
    private static final Set<String> COMMANDS = Set.of("embed", "bench", "serve");

    private NativePreload() {}

    static void startFor(String command, String[] args) {
        if (!wanted(command, args)) return;
        Thread t = new Thread(NativePreload::load, "egemma-preload");
        t.setDaemon(true);
        t.start();
    }

    /** Whether {@code command} with {@code args} will open a GGUF model on a backend that may be native. */
    static boolean wanted(String command, String[] args) {
        if (command == null || !COMMANDS.contains(command)) return false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i].toLowerCase(Locale.ROOT);
            if (a.endsWith(".emb8") || a.equals("--backend=java") || a.equals("--backend") && i + 1 < args.length && args[i + 1].equalsIgnoreCase("java"))
                return false;
        }
        return true;
    }

    private static void load() {
        try {
            Backends.nativeAvailable(); // finds, loads and binds libegemma (its ABI check links its one entry point)
        } catch (RuntimeException | LinkageError e) {
            // the command's own open reports whatever went wrong, as it would without this
        }
    }
}
