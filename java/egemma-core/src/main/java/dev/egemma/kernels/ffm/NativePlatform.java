// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.util.Locale;

/**
 * Names the running platform the way the build names its native classifier JARs: os-maven-plugin's
 * {@code ${os.detected.name}-${os.detected.arch}}, e.g. {@code linux-x86_64}, {@code osx-aarch_64},
 * {@code windows-x86_64}. The library inside is {@code META-INF/native/<classifier>/<file>}.
 */
public record NativePlatform(String os, String arch) {

    /** The platform of this JVM. */
    public static NativePlatform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** Normalises {@code os.name} / {@code os.arch} exactly as os-maven-plugin 1.7.1 does for the names we build. */
    public static NativePlatform of(String osName, String osArch) {
        String o = osName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
        String os;
        if (o.startsWith("linux")) os = "linux";
        else if (o.startsWith("macosx") || o.startsWith("osx") || o.startsWith("darwin")) os = "osx";
        else if (o.startsWith("windows")) os = "windows";
        else if (o.startsWith("freebsd")) os = "freebsd";
        else os = o.isEmpty() ? "unknown" : o;
        String a = osArch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
        String arch = switch (a) {
            case "x8664", "amd64", "ia32e", "em64t", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            case "x8632", "x86", "i386", "i486", "i586", "i686", "ia32", "x32" -> "x86_32";
            default -> a.isEmpty() ? "unknown" : a;
        };
        return new NativePlatform(os, arch);
    }

    /** {@code <os>-<arch>}: the Maven classifier and the resource directory name. */
    public String classifier() {
        return os + "-" + arch;
    }

    /** File name of libegemma here: {@code libegemma.so}, {@code libegemma.dylib} or {@code egemma.dll}. */
    public String libraryFileName() {
        return switch (os) {
            case "windows" -> "egemma.dll";
            case "osx" -> "libegemma.dylib";
            default -> "libegemma.so";
        };
    }

    /** Classpath resource of the library for this platform. */
    public String resourceDirectory() {
        return "META-INF/native/" + classifier() + "/";
    }
}
