// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.ffm;

import java.nio.file.Path;
import java.util.List;

/**
 * libegemma loaded and bound.
 *
 * @param path the file loaded (for a classpath resource, its extracted copy)
 * @param source where it came from
 * @param binding the bound functions
 * @param attempts every candidate tried before and including this one
 */
public record NativeLibrary(Path path, LoadAttempt.Source source, EgemmaBinding binding, List<LoadAttempt> attempts) {
    public NativeLibrary {
        attempts = List.copyOf(attempts);
    }
}
