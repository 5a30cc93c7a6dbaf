// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

/**
 * One place the loader looked for libegemma and what happened there.
 *
 * @param source where the candidate came from
 * @param location the file or resource tried
 * @param outcome {@code "loaded"} or why it was not used
 */
public record LoadAttempt(Source source, String location, String outcome) {

    /** Where a candidate library comes from, in the order the loader tries them. */
    public enum Source {
        /** {@code -Degemma.native.path}. */
        EXPLICIT_PATH("-Degemma.native.path"),
        /** A directory of {@code java.library.path}. */
        JAVA_LIBRARY_PATH("java.library.path"),
        /** The platform's resource in an {@code egemma-native-<version>-<os>-<arch>.jar} on the classpath. */
        CLASSPATH("classpath");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    @Override
    public String toString() {
        return source.label() + " " + location + ": " + outcome;
    }
}
