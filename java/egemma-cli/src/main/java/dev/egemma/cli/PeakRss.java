// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set (VmHWM from /proc/self/status), where Linux provides it. */
final class PeakRss {
    private PeakRss() {}

    /** Peak RSS in MiB, or -1 when /proc/self/status has no VmHWM line (not Linux). */
    static double mib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (!line.startsWith("VmHWM:")) continue;
                String kb = line.substring(6).trim().split("\\s+")[0];
                return Long.parseLong(kb) / 1024.0;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: reported as unknown
        }
        return -1;
    }
}
