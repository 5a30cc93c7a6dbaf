// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.staticembed.Emb8Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code egemma static-upgrade IN OUT}: rewrites an EMB8 table of an earlier egemma build (egemma's layout under
 * version number 1, which the original prep tool's version 1 layout also claims) as version 2. Such files are read
 * as they are too; the upgrade makes them unambiguous for every reader.
 */
@Command(name = "static-upgrade",
        mixinStandardHelpOptions = true,
        description = {
                "Rewrite a static EMB8 table written by an earlier egemma build (egemma's layout under version number 1) as version 2.",
                "The tables are unchanged: only the version field differs. Version 2 and original version 1 files are refused (nothing to do)."
        })
public final class StaticUpgradeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.emb8", description = "EMB8 file of an earlier egemma build.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT.emb8", description = "Version 2 file to write (may be IN itself).")
    Path output;

    @Override
    public Integer call() throws IOException {
        Emb8Writer.upgradeLegacy(input, output);
        System.err.println("wrote " + output + ": EMB8 version 2");
        return 0;
    }
}
