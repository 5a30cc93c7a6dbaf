// SPDX-License-Identifier: Apache-2.0
/**
 * egemma: EmbeddingGemma embeddings from a GGUF file on the JVM. Start with {@link dev.egemma.Embedder}.
 *
 * <p>On the module path, run with {@code --enable-native-access=dev.egemma.core} (on the class path,
 * {@code ALL-UNNAMED}) so the native backend may call libegemma, and put the {@code egemma-native} JAR of the
 * platform on the class path or, as the automatic module {@code dev.egemma.nativelib}, on the module path with
 * {@code --add-modules dev.egemma.nativelib}: the library is a resource of that JAR, found through the class loader.
 *
 * <p>The Java backend's SIMD kernels use the incubating Vector API. The module needs it only statically: a run that
 * wants those kernels adds it ({@code --add-modules jdk.incubator.vector}); without it they fall back to plain Java,
 * and the native backend, the default, never loads it (so the JVM prints no incubator warning).
 */
module dev.egemma.core {
    requires static jdk.incubator.vector;
    // Not used by the library: two tests measure allocation and memory through these, and the tests compile patched
    // into this module, where the compiler plugin's own --add-reads (for JUnit) replaces any other. Always in the
    // JDK; static, so nothing more is resolved at run time.
    requires static java.management;
    requires static jdk.management;

    exports dev.egemma;
    exports dev.egemma.gguf;
    exports dev.egemma.staticembed;
    exports dev.egemma.tokenizer;
}
