// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.kernels.WeightMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects what is wrong with a file's tensors: missing ones, wrong shapes (ggml order), norms not in F32, and
 * matrices in a type egemma does not compute ({@link WeightMatrix#SUPPORTED}; types are per tensor, so one file may
 * mix them). The last are grouped by type: a file in an unsupported type would otherwise give one line per matrix.
 */
final class TensorCheck {
    private static final int NAMES_SHOWN = 3;

    private final GgufFile f;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, List<String>> badTypes = new TreeMap<>(); // by type name (type#N for an id ggml does not define)

    TensorCheck(GgufFile f) {
        this.f = f;
    }

    /** A 2-D weight matrix of ggml shape {@code {cols, rows}}. */
    void matrix(String name, long cols, long rows) {
        GgufTensor t = shaped(name, cols, rows);
        // (a row length that is not a multiple of the type's block size never gets here: GgufFile refuses the file)
        if (t != null && !computable(t)) badTypes.computeIfAbsent(t.typeName(), k -> new ArrayList<>()).add(name);
    }

    /** A 1-D norm weight of {@code n} F32 values (copied to a float[] when bound). */
    void norm(String name, long n) {
        GgufTensor t = shaped(name, n);
        if (t != null && (!t.hasKnownType() || t.type() != GgmlType.F32)) problems.add(name + ": type " + t.typeName() + ", expected F32 (norm weights)");
    }

    private static boolean computable(GgufTensor t) {
        return t.hasKnownType() && WeightMatrix.SUPPORTED.contains(t.type());
    }

    void problem(String p) {
        problems.add(p);
    }

    /** Everything found, the type problems last, one per type. */
    List<String> problems() {
        List<String> all = new ArrayList<>(problems);
        List<GgmlType> computed = WeightMatrix.SUPPORTED.stream().sorted().toList(); // a fixed order for the message
        badTypes.forEach((type, names) -> all.add(names.size() + (names.size() == 1 ? " tensor" : " tensors") + " of type " + type
                + " (" + String.join(", ", names.subList(0, Math.min(NAMES_SHOWN, names.size()))) + (names.size() > NAMES_SHOWN ? ", ..." : "")
                + "): egemma does not compute " + type + " weights (it computes " + computed + ")"));
        return all;
    }

    private GgufTensor shaped(String name, long... shape) {
        GgufTensor t = f.tensor(name);
        if (t == null) problems.add("missing tensor " + name + " " + Arrays.toString(shape));
        else if (!Arrays.equals(t.shape(), shape)) problems.add(name + ": shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        return t;
    }
}
