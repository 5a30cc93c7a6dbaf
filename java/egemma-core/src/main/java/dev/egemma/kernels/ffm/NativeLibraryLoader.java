// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Finds, verifies and loads libegemma, in the manner of netty's {@code NativeLibraryLoader}. Order:
 * <ol>
 * <li>{@code -Degemma.native.path=<file>}: if set, this file or nothing; failure to load it is an error, never
 * a silent fallback;</li>
 * <li>each directory of {@code java.library.path} holding {@code libegemma.so} ({@code .dylib},
 * {@code egemma.dll});</li>
 * <li>the classpath resource {@code META-INF/native/<os>-<arch>/<file>} of the egemma-native classifier JAR,
 * copied to {@code ${user.home}/.cache/egemma/<version>-<os>-<arch>-<sha>/} ({@code <sha>}: the first 12 hex digits of
 * its SHA-256; or {@code -Degemma.native.workdir}),
 * checked against the {@code .sha256} beside it, and loaded from there.</li>
 * </ol>
 * Libraries are opened with {@link SymbolLookup#libraryLookup(Path, Arena)} in the global arena (never
 * unloaded), then bound and ABI-checked by {@link EgemmaBinding#bind}. Every candidate and why it failed is
 * recorded, so the caller can name them all in one message.
 */
public final class NativeLibraryLoader {

    public static final String PROP_NATIVE_PATH = "egemma.native.path";
    public static final String PROP_WORKDIR = "egemma.native.workdir";

    private final String explicitPath;
    private final List<Path> libraryPath;
    private final ClassLoader resources;
    private final Path workdir;
    private final NativePlatform platform;

    /**
     * @param explicitPath value of {@code egemma.native.path}, or null
     * @param libraryPath directories to search (normally {@code java.library.path})
     * @param resources where to find the classifier JAR's resource, or null to skip the classpath
     * @param workdir extraction root (the versioned directory is created below it), or null for the default
     * @param platform the platform whose library to look for
     */
    public NativeLibraryLoader(String explicitPath, List<Path> libraryPath, ClassLoader resources, Path workdir,
                               NativePlatform platform) {
        this.explicitPath = explicitPath == null || explicitPath.isBlank() ? null : explicitPath;
        this.libraryPath = List.copyOf(libraryPath);
        this.resources = resources;
        this.workdir = workdir != null ? workdir : defaultWorkdir();
        this.platform = platform;
    }

    /** A loader configured from the system properties, as the backends use it. */
    public static NativeLibraryLoader fromSystemProperties() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
            if (!d.isBlank()) dirs.add(Path.of(d));
        }
        String wd = System.getProperty(PROP_WORKDIR);
        return new NativeLibraryLoader(System.getProperty(PROP_NATIVE_PATH), dirs,
                NativeLibraryLoader.class.getClassLoader(), wd == null || wd.isBlank() ? null : Path.of(wd),
                NativePlatform.current());
    }

    static Path defaultWorkdir() {
        return Path.of(System.getProperty("user.home", "."), ".cache", "egemma");
    }

    /**
     * Loads the library from the first candidate that works.
     *
     * @throws NativeLibraryUnavailableException naming every candidate tried and why each failed
     */
    public NativeLibrary load() {
        List<LoadAttempt> attempts = new ArrayList<>();
        String fileName = platform.libraryFileName();

        if (explicitPath != null) {
            Path p = Path.of(explicitPath).toAbsolutePath();
            NativeLibrary lib = tryLoad(p, LoadAttempt.Source.EXPLICIT_PATH, attempts);
            if (lib != null) return lib;
            throw new NativeLibraryUnavailableException("libegemma could not be loaded from -D" + PROP_NATIVE_PATH + "="
                    + explicitPath + " (set explicitly, so no other location is tried)", attempts, true);
        }

        for (Path dir : libraryPath) {
            Path p = dir.resolve(fileName).toAbsolutePath();
            if (!Files.exists(p)) {
                attempts.add(new LoadAttempt(LoadAttempt.Source.JAVA_LIBRARY_PATH, p.toString(), "no such file"));
                continue;
            }
            NativeLibrary lib = tryLoad(p, LoadAttempt.Source.JAVA_LIBRARY_PATH, attempts);
            if (lib != null) return lib;
        }

        NativeLibrary lib = loadFromClasspath(fileName, attempts);
        if (lib != null) return lib;
        throw new NativeLibraryUnavailableException("libegemma is not available for " + platform.classifier(), attempts, false);
    }

    private NativeLibrary loadFromClasspath(String fileName, List<LoadAttempt> attempts) {
        String resource = platform.resourceDirectory() + fileName;
        LoadAttempt.Source src = LoadAttempt.Source.CLASSPATH;
        if (resources == null) {
            attempts.add(new LoadAttempt(src, resource, "no class loader to search"));
            return null;
        }
        URL url = resources.getResource(resource);
        if (url == null) {
            attempts.add(new LoadAttempt(src, resource, "not on the classpath (is egemma-native-<version>-"
                    + platform.classifier() + ".jar on it? is " + platform.classifier() + " a platform egemma builds?)"));
            return null;
        }
        String expectedSha;
        String version;
        try {
            expectedSha = readSha256(resource + ".sha256");
            version = readVersion(platform.resourceDirectory() + "egemma-native.properties");
        } catch (IOException e) {
            attempts.add(new LoadAttempt(src, url.toString(), e.getMessage()));
            return null;
        }
        // the library's SHA-256 in the name: two builds of one version (development snapshots, or two applications on
        // different builds) each keep their own copy rather than replacing each other's on every start (a replaced
        // file also changes the key of every pack cache made with it)
        Path dir = workdir.resolve(version + "-" + platform.classifier() + "-" + expectedSha.substring(0, Math.min(12, expectedSha.length())));
        Path target = dir.resolve(fileName);
        try {
            extract(url, dir, target, expectedSha);
        } catch (IOException | RuntimeException e) {
            attempts.add(new LoadAttempt(src, url + " -> " + target, "could not extract: " + e
                    + " (set -D" + PROP_WORKDIR + " to a writable directory)"));
            return null;
        }
        return tryLoad(target, src, attempts, url.toString());
    }

    /** Copies the resource to {@code target} unless an identical file is there; verifies the SHA-256 of a copy. */
    private static void extract(URL url, Path dir, Path target, String expectedSha) throws IOException {
        Files.createDirectories(dir);
        if (Files.isRegularFile(target) && sameBytes(url, target)) return;
        // write beside the target, verify, then move into place: a concurrent JVM never sees a partial file
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            String actual = sha256(tmp);
            if (!actual.equals(expectedSha)) {
                throw new IOException("SHA-256 mismatch: resource has " + actual + ", its .sha256 says " + expectedSha
                        + " (corrupt or mixed-up egemma-native JAR)");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Whether {@code file} holds exactly the resource's bytes: the check of every start, where the file was extracted
     * (and its SHA-256 verified) by an earlier one. Comparing is ~1 ms; hashing took ~50 ms of a cold start (the
     * MessageDigest providers, and SHA-256 running interpreted before the JIT gets to it).
     */
    private static boolean sameBytes(URL url, Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) return false;
        byte[] have = Files.readAllBytes(file);
        try (InputStream in = url.openStream()) {
            return Arrays.equals(have, in.readNBytes(have.length + 1)); // one byte more: a longer resource differs
        }
    }

    private NativeLibrary tryLoad(Path p, LoadAttempt.Source source, List<LoadAttempt> attempts) {
        return tryLoad(p, source, attempts, p.toString());
    }

    private NativeLibrary tryLoad(Path p, LoadAttempt.Source source, List<LoadAttempt> attempts, String label) {
        String where = label.equals(p.toString()) ? label : label + " -> " + p;
        if (!Files.exists(p)) {
            attempts.add(new LoadAttempt(source, where, "no such file"));
            return null;
        }
        if (!Files.isRegularFile(p)) {
            attempts.add(new LoadAttempt(source, where, "not a regular file"));
            return null;
        }
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(p, Arena.global());
        } catch (RuntimeException e) {
            attempts.add(new LoadAttempt(source, where, "cannot be opened: " + BinaryDiagnosis.explain(p, platform)));
            return null;
        }
        try {
            EgemmaBinding binding = EgemmaBinding.bind(lookup);
            attempts.add(new LoadAttempt(source, where, "loaded (libegemma " + binding.version() + ")"));
            return new NativeLibrary(p, source, binding, attempts);
        } catch (RuntimeException e) {
            attempts.add(new LoadAttempt(source, where, "opened but unusable: " + e.getMessage()));
            return null;
        }
    }

    private String readSha256(String resource) throws IOException {
        try (InputStream in = resources.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing " + resource + " (the JAR must hold the library's SHA-256)");
            String text = new String(in.readNBytes(1024), StandardCharsets.US_ASCII).trim();
            String hex = text.split("\\s+")[0].toLowerCase(Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) throw new IOException(resource + " does not start with a SHA-256: '" + text + "'");
            return hex;
        }
    }

    private String readVersion(String resource) throws IOException {
        try (InputStream in = resources.getResourceAsStream(resource)) {
            if (in == null) return "unversioned";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unversioned").trim();
            // the version names a directory: keep it to safe characters
            return v.isEmpty() ? "unversioned" : v.replaceAll("[^A-Za-z0-9._+-]", "_");
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
