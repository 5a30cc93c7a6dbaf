// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryLoaderTest {

    private static final NativePlatform HERE = NativePlatform.current();

    @TempDir
    Path tmp;

    @Test
    void missingExplicitPathFailsLoudlyAndTriesNothingElse() {
        Path missing = tmp.resolve("nowhere").resolve(HERE.libraryFileName());
        var loader = new NativeLibraryLoader(missing.toString(), List.of(tmp), getClass().getClassLoader(), tmp, HERE);
        var e = assertThrows(NativeLibraryUnavailableException.class, loader::load);
        assertTrue(e.explicitPathFailed());
        assertTrue(e.getMessage().contains("-Degemma.native.path=" + missing), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        assertEquals(1, e.attempts().size(), "an explicit path must not fall back: " + e.attempts());
    }

    @Test
    void explicitPathThatIsNotALibraryNamesTheReason() throws IOException {
        Path junk = Files.writeString(tmp.resolve(HERE.libraryFileName()), "this is not a shared library");
        var e = assertThrows(NativeLibraryUnavailableException.class,
                () -> new NativeLibraryLoader(junk.toString(), List.of(), null, tmp, HERE).load());
        assertTrue(e.getMessage().contains(junk.toString()) && e.getMessage().contains("not a shared library"), e.getMessage());
    }

    @Test
    void libraryOfAnotherArchitectureIsNamedAsSuch() throws IOException {
        // a minimal ELF header for the other architecture: dlopen refuses it, the diagnosis says why
        boolean x86 = HERE.arch().equals("x86_64");
        byte[] elf = new byte[64];
        elf[0] = 0x7f; elf[1] = 'E'; elf[2] = 'L'; elf[3] = 'F';
        elf[4] = 2; elf[5] = 1; elf[6] = 1; elf[16] = 3;
        elf[18] = (byte) (x86 ? 0xb7 : 0x3e);
        Path lib = Files.write(tmp.resolve(HERE.libraryFileName()), elf);
        var e = assertThrows(NativeLibraryUnavailableException.class,
                () -> new NativeLibraryLoader(lib.toString(), List.of(), null, tmp, HERE).load());
        if (HERE.os().equals("linux")) {
            assertTrue(e.getMessage().contains("wrong architecture") && e.getMessage().contains(x86 ? "aarch_64" : "x86_64"),
                    e.getMessage());
        }
    }

    @Test
    void emptySearchListsEveryPlaceTried() {
        Path dir = tmp.resolve("libs");
        var loader = new NativeLibraryLoader(null, List.of(dir), new URLClassLoader(new URL[0], null), tmp, HERE);
        var e = assertThrows(NativeLibraryUnavailableException.class, loader::load);
        assertTrue(!e.explicitPathFailed());
        assertEquals(2, e.attempts().size(), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve(HERE.libraryFileName()).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("META-INF/native/" + HERE.classifier() + "/" + HERE.libraryFileName()), e.getMessage());
        assertTrue(e.getMessage().contains("not on the classpath"), e.getMessage());
    }

    @Test
    void resourceWhoseSha256DoesNotMatchIsRefused() throws IOException {
        Path root = tmp.resolve("jar-root");
        Path dir = Files.createDirectories(root.resolve("META-INF/native/" + HERE.classifier()));
        Files.writeString(dir.resolve(HERE.libraryFileName()), "tampered bytes");
        Files.writeString(dir.resolve(HERE.libraryFileName() + ".sha256"), "0".repeat(64) + "  " + HERE.libraryFileName() + "\n");
        try (var cl = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
            var e = assertThrows(NativeLibraryUnavailableException.class,
                    () -> new NativeLibraryLoader(null, List.of(), cl, tmp.resolve("cache"), HERE).load());
            assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
        }
        // nothing unverified is left where a later run would load it
        try (var files = Files.walk(tmp.resolve("cache"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().equals(HERE.libraryFileName())));
        }
    }

    @Test
    void javaLibraryPathComesBeforeTheClasspath() throws IOException {
        NativeLibrary fromJar = NativeTestSupport.requireNative();
        Path dir = Files.createDirectories(tmp.resolve("lib-dir"));
        Files.copy(fromJar.path(), dir.resolve(HERE.libraryFileName()));
        NativeLibrary lib = new NativeLibraryLoader(null, List.of(tmp.resolve("empty"), dir), getClass().getClassLoader(),
                tmp, HERE).load();
        assertEquals(LoadAttempt.Source.JAVA_LIBRARY_PATH, lib.source());
        assertEquals(dir.resolve(HERE.libraryFileName()).toAbsolutePath(), lib.path());
        assertEquals(2, lib.attempts().size(), lib.attempts().toString());
    }

    @Test
    void extractionIsVersionedAndReusedWhenTheHashMatches() throws IOException {
        NativeTestSupport.requireNative();
        Path cache = tmp.resolve("cache");
        NativeLibrary first = new NativeLibraryLoader(null, List.of(), getClass().getClassLoader(), cache, HERE).load();
        String dirName = first.path().getParent().getFileName().toString();
        // VERSION-CLASSIFIER-SHA: the first 12 hex digits of the library's SHA-256, so two builds of one version do not share a file
        String sha = NativeLibraryLoader.sha256(first.path());
        assertEquals(HERE.classifier() + "-" + sha.substring(0, 12), dirName.substring(dirName.length() - HERE.classifier().length() - 13), dirName);
        assertTrue(!dirName.startsWith("unversioned"), dirName);
        assertEquals(cache.resolve(dirName), first.path().getParent());
        var mtime = Files.getLastModifiedTime(first.path());
        NativeLibrary second = new NativeLibraryLoader(null, List.of(), getClass().getClassLoader(), cache, HERE).load();
        assertEquals(first.path(), second.path());
        assertEquals(mtime, Files.getLastModifiedTime(second.path()), "an identical extracted file is reused");
    }

    @Test
    void anExtractedFileThatDiffersFromTheResourceIsExtractedAgain() throws IOException {
        NativeTestSupport.requireNative();
        Path cache = tmp.resolve("cache");
        Path file = new NativeLibraryLoader(null, List.of(), getClass().getClassLoader(), cache, HERE).load().path();
        byte[] good = Files.readAllBytes(file);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 1; // same size, one bit: only a comparison of the bytes sees it
        for (byte[] bad : List.of(flipped, java.util.Arrays.copyOf(good, good.length - 1), new byte[0])) {
            Files.delete(file); // a new file, never the loaded one changed in place (its pages are mapped by this JVM)
            Files.write(file, bad);
            new NativeLibraryLoader(null, List.of(), getClass().getClassLoader(), cache, HERE).load();
            assertArrayEquals(good, Files.readAllBytes(file), "a file of " + bad.length + " bytes was kept");
        }
    }

    @Test
    void platformNamesFollowOsMavenPlugin() {
        assertEquals("linux-x86_64", NativePlatform.of("Linux", "amd64").classifier());
        assertEquals("linux-aarch_64", NativePlatform.of("Linux", "aarch64").classifier());
        assertEquals("osx-aarch_64", NativePlatform.of("Mac OS X", "aarch64").classifier());
        assertEquals("osx-x86_64", NativePlatform.of("Mac OS X", "x86_64").classifier());
        assertEquals("windows-x86_64", NativePlatform.of("Windows 11", "amd64").classifier());
        assertEquals("egemma.dll", NativePlatform.of("Windows 11", "amd64").libraryFileName());
        assertEquals("libegemma.dylib", NativePlatform.of("Mac OS X", "aarch64").libraryFileName());
    }
}
