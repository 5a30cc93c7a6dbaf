// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What this build staged in target/staging passes {@link StagingCheck}, and the BOM names every platform's JAR. */
class StagedArtifactsIT {
    static final Path STAGING = Path.of(System.getProperty("egemma.staging"));
    static final List<String> PUBLISHED = List.of("egemma-parent", "egemma-bom", "egemma-native", "egemma-core",
            "egemma-server", "egemma-langchain4j", "egemma-spring-ai", "egemma-spark");
    static final List<String> NOT_PUBLISHED = List.of("egemma-bench", "egemma-cli", "egemma-release");
    /** os-maven-plugin's ${os.detected.classifier} on the platforms libegemma builds for. */
    static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch_64", "osx-aarch_64", "osx-x86_64", "windows-x86_64");

    @Test
    void theStagingDirectoryHoldsWhatCentralRequires() throws IOException {
        assertEquals(List.of(), StagingCheck.problems(STAGING, "dev.egemma", PUBLISHED, NOT_PUBLISHED));
    }

    @Test
    void theBomManagesEveryPlatformsNativeJarAndThisBuildStagedItsOwn() throws IOException {
        Pom bom = Pom.read(newest(STAGING.resolve("dev/egemma/egemma-bom"), ".pom"));
        String version = System.getProperty("egemma.version");
        for (String p : PLATFORMS) {
            assertTrue(bom.managed().contains("dev.egemma:egemma-native:" + version + ":" + p), () -> p + " in " + bom.managed());
        }
        String host = System.getProperty("egemma.nativeClassifier");
        assertTrue(PLATFORMS.contains(host), host);
        newest(STAGING.resolve("dev/egemma/egemma-native"), "-" + host + ".jar");
    }

    /** The last file under {@code dir} whose name ends with {@code suffix} (snapshot builds count up). */
    static Path newest(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).max(Path::compareTo)
                    .orElseThrow(() -> new AssertionError("no *" + suffix + " under " + dir));
        }
    }
}
