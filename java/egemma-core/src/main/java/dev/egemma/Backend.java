// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

/** Which kernels an {@link Embedder} computes with. */
public enum Backend {
    /** The native library when it provides the model kernels, else the Java Vector API kernels. */
    AUTO,
    /** libegemma's kernels; an error if they are not available. */
    NATIVE,
    /** The pure-Java kernels (Vector API, scalar without it). */
    JAVA
}
