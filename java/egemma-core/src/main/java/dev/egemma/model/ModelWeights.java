// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.kernels.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor of an EmbeddingGemma GGUF bound for compute: matrices stay in the mapping, the small 1-D norm
 * weights are copied to float arrays. Shapes and types are checked against {@link ModelConfig} first.
 */
public record ModelWeights(
        ModelConfig config,
        WeightMatrix tokenEmbd,
        List<LayerWeights> layers,
        float[] outputNorm,
        WeightMatrix dense2,
        WeightMatrix dense3) {

    public static ModelWeights bind(GgufFile f, ModelConfig c) {
        List<String> problems = c.tensorProblems(f);
        if (!problems.isEmpty()) throw new IllegalArgumentException(f.path() + ": not a usable EmbeddingGemma model: " + String.join("; ", problems));
        List<LayerWeights> layers = new ArrayList<>(c.nLayer());
        for (int il = 0; il < c.nLayer(); il++) {
            String b = "blk." + il + ".";
            layers.add(new LayerWeights(
                    norm(f, b + "attn_norm.weight"),
                    matrix(f, b + "attn_q.weight"),
                    matrix(f, b + "attn_k.weight"),
                    matrix(f, b + "attn_v.weight"),
                    norm(f, b + "attn_q_norm.weight"),
                    norm(f, b + "attn_k_norm.weight"),
                    matrix(f, b + "attn_output.weight"),
                    norm(f, b + "post_attention_norm.weight"),
                    norm(f, b + "ffn_norm.weight"),
                    matrix(f, b + "ffn_gate.weight"),
                    matrix(f, b + "ffn_up.weight"),
                    matrix(f, b + "ffn_down.weight"),
                    norm(f, b + "post_ffw_norm.weight")));
        }
        ModelLayout l = c.layout();
        boolean dense = f.tensor(l.dense2()) != null && f.tensor(l.dense3()) != null;
        return new ModelWeights(c, matrix(f, "token_embd.weight"), List.copyOf(layers), norm(f, l.outputNorm()),
                dense ? matrix(f, l.dense2()) : null, dense ? matrix(f, l.dense3()) : null);
    }

    /** The types of every weight matrix the forward pass multiplies by (not token_embd: it is only read row by row). */
    public java.util.Set<dev.egemma.gguf.GgmlType> matrixTypes() {
        java.util.Set<dev.egemma.gguf.GgmlType> s = java.util.EnumSet.noneOf(dev.egemma.gguf.GgmlType.class);
        for (WeightMatrix m : products()) s.add(m.type());
        return s;
    }

    /** Every matrix the forward pass multiplies by: each layer's seven, then the two dense projections if present. */
    public List<WeightMatrix> products() {
        List<WeightMatrix> out = new java.util.ArrayList<>(layers.size() * 7 + 2);
        for (LayerWeights l : layers) out.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()));
        if (hasDense()) {
            out.add(dense2);
            out.add(dense3);
        }
        return out;
    }

    public boolean hasDense() {
        return dense2 != null && dense3 != null;
    }

    /** Width of the pooled (and dense-projected) output. */
    public int outputDim() {
        return hasDense() ? dense3.rows() : config.nEmbd();
    }

    private static WeightMatrix matrix(GgufFile f, String name) {
        return WeightMatrix.of(f.tensor(name));
    }

    private static float[] norm(GgufFile f, String name) {
        GgufTensor t = f.tensor(name);
        if (t.type() != GgmlType.F32 || t.shape().length != 1)
            throw new IllegalArgumentException(name + ": expected a 1-D F32 tensor, got " + t);
        int n = Math.toIntExact(t.shape()[0]);
        MemorySegment s = t.data();
        if (s.byteSize() < 4L * n) throw new IllegalArgumentException(name + ": " + s.byteSize() + " bytes for " + n + " floats");
        float[] w = new float[n];
        dev.egemma.gguf.LittleEndianCopy.floats(s, 0, w, 0, n);
        return w;
    }
}
