// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import java.nio.file.Path;
import java.util.StringJoiner;

/** The files of the user's project {@link SampleProjectIT} builds: what the README's quick start tells a user to write. */
final class SampleProject {
    private SampleProject() {}

    static final String MODULE_INFO = """
            module sample {
                requires dev.egemma.core;
            }
            """;

    /** The README's five lines, then which kernels ran and the vector as {@link #format} prints it. */
    static final String MAIN = """
            package sample;

            import dev.egemma.Embedder;
            import java.nio.file.Path;

            public class Main {
                public static void main(String[] args) throws Exception {
                    try (Embedder embedder = Embedder.open(Path.of(args[0]), Embedder.Options.defaults())) {
                        float[] vector = embedder.embed(args[1]);
                        System.out.println(embedder.backendName());
                        StringBuilder out = new StringBuilder();
                        for (float x : vector) out.append(out.isEmpty() ? "" : " ").append(x);
                        System.out.println(out);
                    }
                }
            }
            """;

    static String format(float[] v) {
        StringJoiner j = new StringJoiner(" ");
        for (float x : v) j.add(Float.toString(x));
        return j.toString();
    }

    /**
     * The README's platform-to-classifier mapping. Not os-maven-plugin's ${os.detected.classifier}: it is set after
     * Maven has read the POM, too late for a version that comes from the BOM's per-classifier entries ("version is
     * missing"); profiles are activated while the POM is read.
     */
    static final String PLATFORM_PROFILES = """
            <profiles>
                <profile><id>linux-x86_64</id><activation><os><name>linux</name><arch>amd64</arch></os></activation>
                  <properties><egemma.platform>linux-x86_64</egemma.platform></properties></profile>
                <profile><id>linux-aarch_64</id><activation><os><name>linux</name><arch>aarch64</arch></os></activation>
                  <properties><egemma.platform>linux-aarch_64</egemma.platform></properties></profile>
                <profile><id>osx-aarch_64</id><activation><os><family>mac</family><arch>aarch64</arch></os></activation>
                  <properties><egemma.platform>osx-aarch_64</egemma.platform></properties></profile>
                <profile><id>osx-x86_64</id><activation><os><family>mac</family><arch>x86_64</arch></os></activation>
                  <properties><egemma.platform>osx-x86_64</egemma.platform></properties></profile>
                <profile><id>windows-x86_64</id><activation><os><family>windows</family><arch>amd64</arch></os></activation>
                  <properties><egemma.platform>windows-x86_64</egemma.platform></properties></profile>
              </profiles>""";

    /** The POM: egemma-bom imported from {@code staging}, core and the platform's native JAR without versions. */
    static String pom(Path staging, String version) {
        return """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>sample</groupId>
                  <artifactId>sample</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>22</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <repositories>
                    <repository>
                      <id>egemma-staging</id>
                      <url>%s</url>
                      <snapshots><enabled>true</enabled></snapshots>
                    </repository>
                  </repositories>
                  <dependencyManagement>
                    <dependencies>
                      <dependency>
                        <groupId>dev.egemma</groupId>
                        <artifactId>egemma-bom</artifactId>
                        <version>%s</version>
                        <type>pom</type>
                        <scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                    <dependency>
                      <groupId>dev.egemma</groupId>
                      <artifactId>egemma-core</artifactId>
                    </dependency>
                    <dependency>
                      <groupId>dev.egemma</groupId>
                      <artifactId>egemma-native</artifactId>
                      <classifier>${egemma.platform}</classifier>
                      <scope>runtime</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.13.0</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.3.1</version>
                      </plugin>
                    </plugins>
                  </build>
                  %s
                </project>
                """.formatted(staging.toUri(), version, PLATFORM_PROFILES);
    }

    /**
     * Every repository but the staging one is this build's local repository, read as a remote one: the plugins come
     * from there, with no network, and egemma cannot (Central's snapshots are off, and a local repository's
     * installed snapshots carry no remote metadata).
     */
    static String settings(Path buildRepository) {
        return """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>build-repository</id>
                      <mirrorOf>*,!egemma-staging</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(buildRepository.toUri());
    }
}
