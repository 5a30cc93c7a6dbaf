// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A small staging directory that passes, then broken one way at a time: each break must be reported. */
class StagingCheckTest {
    private static final String V = "1.0";
    private static final String META = """
            <url>https://example.org/p</url>
            <licenses><license><name>Apache-2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license></licenses>
            <developers><developer><name>Someone</name></developer></developers>
            <scm><url>https://example.org/p</url><connection>scm:git:https://example.org/p.git</connection></scm>
            """;

    @TempDir
    Path staging;

    @BeforeEach
    void stageAGoodRelease() throws IOException {
        stage("p-parent", "<packaging>pom</packaging><name>p</name><description>the parent</description>" + META);
        stage("p-core", parent() + "<name>p-core</name>", "", "-sources", "-javadoc");
        stage("p-native", parent() + "<packaging>pom</packaging><name>p-native</name>", "-linux-x86_64", "-sources", "-javadoc");
        stage("p-bom", "<groupId>g.p</groupId><version>" + V + "</version><packaging>pom</packaging><name>p-bom</name>"
                + "<description>the BOM</description>" + META + "<dependencyManagement><dependencies>"
                + "<dependency><groupId>g.p</groupId><artifactId>p-core</artifactId><version>" + V + "</version></dependency>"
                + "<dependency><groupId>g.p</groupId><artifactId>p-native</artifactId><version>${project.version}</version>"
                + "<classifier>linux-x86_64</classifier></dependency></dependencies></dependencyManagement>");
    }

    @Test
    void aCompleteStagingHasNoProblems() throws IOException {
        assertEquals(List.of(), check());
    }

    @Test
    void aMissingSourcesJarIsReported() throws IOException {
        Files.delete(file("p-core", "-sources.jar"));
        assertReported("g.p:p-core:1.0: no sources JAR");
    }

    @Test
    void aClassifierOnlyArtifactNeedsJavadocToo() throws IOException {
        Files.delete(file("p-native", "-javadoc.jar"));
        assertReported("g.p:p-native:1.0: no javadoc JAR");
    }

    @Test
    void aJarPackagingWithoutItsJarIsReported() throws IOException {
        Files.delete(file("p-core", ".jar"));
        assertReported("g.p:p-core:1.0: no p-core-1.0.jar for packaging jar");
    }

    @Test
    void aChecksumThatDoesNotMatchIsReported() throws IOException {
        Files.writeString(file("p-core", ".jar.sha1"), "0123456789abcdef0123456789abcdef01234567");
        assertReported("g/p/p-core/1.0/p-core-1.0.jar: .sha1 does not match the file");
    }

    @Test
    void aMissingChecksumIsReported() throws IOException {
        Files.delete(file("p-core", ".pom.md5"));
        assertReported("g/p/p-core/1.0/p-core-1.0.pom: no .md5");
    }

    @Test
    void metadataMissingFromTheParentIsMissingFromTheChildren() throws IOException {
        Path pom = file("p-parent", ".pom");
        rewrite(pom, Files.readString(pom).replaceAll("<scm>.*</scm>", ""));
        List<String> problems = check();
        assertTrue(problems.contains("g.p:p-parent:1.0: no <scm/url>"), problems::toString);
        assertTrue(problems.contains("g.p:p-core:1.0: no <scm/connection>"), problems::toString);
    }

    @Test
    void aNameIsNotInherited() throws IOException {
        Path pom = file("p-core", ".pom");
        rewrite(pom, Files.readString(pom).replace("<name>p-core</name>", ""));
        assertReported("g.p:p-core:1.0: no <name>");
    }

    @Test
    void publishedModulesMustBeStagedAndOthersMustNot() throws IOException {
        List<String> problems = StagingCheck.problems(staging, "g.p", List.of("p-core", "p-server"), List.of("p-native"));
        assertTrue(problems.contains("p-server: not staged"), problems::toString);
        assertTrue(problems.contains("p-native: staged, but it is not published"), problems::toString);
    }

    @Test
    void aBomManagingAnUnstagedArtifactOrAnotherVersionIsReported() throws IOException {
        Path pom = file("p-bom", ".pom");
        rewrite(pom, Files.readString(pom).replace("<artifactId>p-core</artifactId><version>1.0</version>",
                "<artifactId>p-gone</artifactId><version>0.9</version>"));
        List<String> problems = check();
        assertTrue(problems.contains("g.p:p-bom:1.0: manages g.p:p-gone:0.9, which is not staged"), problems::toString);
        assertTrue(problems.contains("g.p:p-bom:1.0: manages g.p:p-gone:0.9, not version 1.0"), problems::toString);
    }

    @Test
    void onceAnythingIsSignedEverythingMustBe() throws IOException {
        Files.writeString(staging.resolve("g/p/p-core/1.0/p-core-1.0.jar.asc"), "signature");
        assertReported("g/p/p-core/1.0/p-core-1.0.pom: no .asc signature (other files are signed)");
    }

    private void assertReported(String problem) throws IOException {
        List<String> problems = check();
        assertTrue(problems.contains(problem), () -> "expected \"" + problem + "\" in " + problems);
    }

    private List<String> check() throws IOException {
        return StagingCheck.problems(staging, "g.p", List.of("p-parent", "p-core", "p-native", "p-bom"), List.of("p-bench"));
    }

    private static String parent() {
        return "<parent><groupId>g.p</groupId><artifactId>p-parent</artifactId><version>" + V + "</version></parent>";
    }

    /** artifactId's POM (from {@code body}) and a JAR per suffix ("" for the main one), each with .md5 and .sha1. */
    private void stage(String artifactId, String body, String... jarSuffixes) throws IOException {
        String pom = "<project><modelVersion>4.0.0</modelVersion><artifactId>" + artifactId + "</artifactId>" + body + "</project>";
        if (!body.contains("<groupId>g.p</groupId><version>") && !body.contains("<parent>"))
            pom = pom.replace("<artifactId>", "<groupId>g.p</groupId><version>" + V + "</version><artifactId>");
        Files.createDirectories(file(artifactId, ".pom").getParent());
        rewrite(file(artifactId, ".pom"), pom);
        for (String s : jarSuffixes) rewrite(file(artifactId, s + ".jar"), "jar of " + artifactId + s);
    }

    private Path file(String artifactId, String suffix) {
        return staging.resolve("g/p/" + artifactId + "/" + V + "/" + artifactId + "-" + V + suffix);
    }

    /** Writes {@code f} and checksums that match it, as a deploy does. */
    private static void rewrite(Path f, String content) throws IOException {
        Files.writeString(f, content);
        for (String a : List.of("md5", "sha1")) Files.writeString(f.resolveSibling(f.getFileName() + "." + a), StagingCheck.digest(f, a));
    }
}
