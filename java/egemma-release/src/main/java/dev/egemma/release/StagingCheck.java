// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checks a staging directory (Maven repository layout, as `verify` deploys into target/staging) against what Maven
 * Central refuses: every published module is there and nothing else of the group; every POM has name, description,
 * url, licenses, scm and developers (itself or through its staged parent); every JAR-bearing artifact has its sources
 * and javadoc JARs; every file has a .md5 and .sha1 that match it; when anything is signed, everything is; a BOM
 * manages only staged artifacts of its own version. Returns the problems found, so a broken staging fails loudly.
 */
public final class StagingCheck {
    private static final List<String> CHECKSUMS = List.of("md5", "sha1");

    private StagingCheck() {}

    /**
     * The problems of {@code staging} for group {@code groupId}.
     *
     * @param published   artifactIds that must be staged
     * @param unpublished artifactIds of the build that must not be
     */
    public static List<String> problems(Path staging, String groupId, List<String> published, List<String> unpublished) throws IOException {
        List<String> problems = new ArrayList<>();
        Path group = staging.resolve(groupId.replace('.', '/'));
        if (!Files.isDirectory(group)) return List.of("nothing staged for " + groupId + " under " + staging);
        Map<String, Pom> poms = new TreeMap<>();
        Map<Path, Pom> pomFiles = new TreeMap<>();
        for (Path f : files(staging)) {
            if (!f.getFileName().toString().endsWith(".pom")) continue;
            Pom p = Pom.read(f);
            poms.put(p.coordinates(), p);
            pomFiles.put(f, p);
        }
        for (String a : published) {
            if (pomFiles.values().stream().noneMatch(p -> p.artifactId().equals(a))) problems.add(a + ": not staged");
        }
        for (String a : unpublished) {
            if (Files.exists(group.resolve(a))) problems.add(a + ": staged, but it is not published");
        }
        boolean signed = files(staging).stream().anyMatch(f -> f.getFileName().toString().endsWith(".asc"));
        for (var e : pomFiles.entrySet()) {
            checkPom(e.getKey(), e.getValue(), poms, groupId, problems);
        }
        for (Path f : files(staging)) {
            String n = f.getFileName().toString();
            if (isSidecar(n)) continue;
            for (String algorithm : CHECKSUMS) checkChecksum(staging, f, algorithm, problems);
            if (signed && !n.startsWith("maven-metadata") && !Files.exists(sibling(f, ".asc")))
                problems.add(staging.relativize(f) + ": no .asc signature (other files are signed)");
        }
        return problems;
    }

    private static void checkPom(Path file, Pom pom, Map<String, Pom> poms, String groupId, List<String> problems) throws IOException {
        String where = pom.coordinates();
        for (String element : Pom.REQUIRED) {
            if (!declared(pom, element, poms)) problems.add(where + ": no <" + element + ">");
        }
        if (pom.parent() != null && !poms.containsKey(pom.parent()))
            problems.add(where + ": parent " + pom.parent() + " is not staged");
        String base = file.getFileName().toString().replaceFirst("\\.pom$", "");
        List<String> jars;
        try (Stream<Path> s = Files.list(file.getParent())) {
            jars = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jar") && (n.equals(base + ".jar") || n.startsWith(base + "-")))
                    .toList();
        }
        if (!pom.packaging().equals("pom") && !jars.contains(base + ".jar"))
            problems.add(where + ": no " + base + ".jar for packaging " + pom.packaging());
        boolean hasCode = jars.stream().anyMatch(n -> !n.equals(base + "-sources.jar") && !n.equals(base + "-javadoc.jar"));
        if (hasCode) {
            for (String c : List.of("sources", "javadoc")) {
                if (!jars.contains(base + "-" + c + ".jar")) problems.add(where + ": no " + c + " JAR");
            }
        }
        for (String m : pom.managed()) {
            String[] gav = m.split(":");
            if (!gav[0].equals(groupId)) continue;
            if (!gav[2].equals(pom.version())) problems.add(where + ": manages " + m + ", not version " + pom.version());
            if (poms.keySet().stream().noneMatch(k -> k.startsWith(gav[0] + ":" + gav[1] + ":")))
                problems.add(where + ": manages " + m + ", which is not staged");
        }
    }

    /** Whether {@code pom} or, for the inherited elements, one of its staged ancestors declares {@code element}. */
    private static boolean declared(Pom pom, String element, Map<String, Pom> poms) {
        for (Pom p = pom; p != null; p = p.parent() == null ? null : poms.get(p.parent())) {
            if (p.elements().contains(element)) return true;
            if (element.equals("name")) return false; // Maven does not inherit <name>
        }
        return false;
    }

    private static void checkChecksum(Path staging, Path f, String algorithm, List<String> problems) {
        Path sum = sibling(f, "." + algorithm);
        if (!Files.exists(sum)) {
            problems.add(staging.relativize(f) + ": no ." + algorithm);
            return;
        }
        try {
            String want = Files.readString(sum).trim().split("\\s+")[0];
            if (!want.equalsIgnoreCase(digest(f, algorithm))) problems.add(staging.relativize(f) + ": ." + algorithm + " does not match the file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String digest(Path f, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm.equals("sha1") ? "SHA-1" : algorithm.toUpperCase());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(algorithm, e);
        }
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static boolean isSidecar(String name) {
        return name.endsWith(".md5") || name.endsWith(".sha1") || name.endsWith(".sha256") || name.endsWith(".sha512")
                || name.endsWith(".asc");
    }

    private static Path sibling(Path f, String suffix) {
        return f.resolveSibling(f.getFileName() + suffix);
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** {@code StagingCheck STAGING_DIR GROUP_ID PUBLISHED,... [UNPUBLISHED,...]}: prints the problems, exits 1 if any. */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: StagingCheck STAGING_DIR GROUP_ID PUBLISHED,... [UNPUBLISHED,...]");
            System.exit(2);
        }
        List<String> problems = problems(Path.of(args[0]), args[1], List.of(args[2].split(",")),
                args.length > 3 ? List.of(args[3].split(",")) : List.of());
        problems.forEach(System.out::println);
        System.exit(problems.isEmpty() ? 0 : 1);
    }
}
