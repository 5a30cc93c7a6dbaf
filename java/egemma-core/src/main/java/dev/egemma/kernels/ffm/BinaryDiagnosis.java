// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Says why a file that exists could not be opened as a library: the JDK's own message carries no dlerror, so
 * read the header ourselves and tell a wrong format or architecture apart from a refusal to map it
 * (typically a noexec mount).
 */
final class BinaryDiagnosis {
    private BinaryDiagnosis() {}

    static String explain(Path p, NativePlatform platform) {
        byte[] h;
        try (InputStream in = Files.newInputStream(p)) {
            h = in.readNBytes(64);
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        String format;
        String arch;
        if (h.length >= 20 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
            format = "linux";
            boolean little = h[5] == 1;
            int machine = little ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
            arch = switch (machine) {
                case 0x3e -> "x86_64";
                case 0xb7 -> "aarch_64";
                case 0x03 -> "x86_32";
                case 0x28 -> "arm_32";
                default -> "ELF machine 0x" + Integer.toHexString(machine);
            };
        } else if (h.length >= 8 && (h[0] & 0xff) == 0xcf && (h[1] & 0xff) == 0xfa && (h[2] & 0xff) == 0xed
                && (h[3] & 0xff) == 0xfe) {
            format = "osx";
            int cpu = (h[4] & 0xff) | (h[5] & 0xff) << 8 | (h[6] & 0xff) << 16 | (h[7] & 0xff) << 24;
            arch = cpu == 0x01000007 ? "x86_64" : cpu == 0x0100000c ? "aarch_64" : "Mach-O cpu 0x" + Integer.toHexString(cpu);
        } else if (h.length >= 2 && h[0] == 'M' && h[1] == 'Z') {
            format = "windows";
            arch = null;
        } else {
            return "not a shared library (unknown file format)";
        }
        if (!format.equals(platform.os())) {
            return "a " + format + " library, but this JVM runs on " + platform.os();
        }
        if (arch != null && !arch.equals(platform.arch())) {
            return "built for " + arch + ", but this JVM runs on " + platform.arch() + " (wrong architecture)";
        }
        return "the system refused to load it although it is a " + platform.classifier() + " library: missing "
                + "dependencies, a noexec mount of " + p.getParent() + " (then set -D" + NativeLibraryLoader.PROP_WORKDIR
                + " to an executable directory), or a corrupt file";
    }
}
