// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Rewrites a GGUF with its matrices in another type, as llama.cpp's {@code llama-quantize} does for the types
 * it shares with us: every tensor of two or more dimensions is converted (through F32, so any type
 * {@link Dequantizer} reads can be the source), one-dimensional tensors (the norms) are copied unchanged,
 * all metadata is kept and {@code general.file_type} is set to the target's {@code LLAMA_FTYPE_*}.
 * A tensor already in the target type is copied byte for byte (re-quantizing Q8_0 would not change it
 * anyway, but a copy cannot drift). Q8_0 blocks come from {@link Q8Quantizer}, bit-exact with ggml's
 * {@code quantize_row_q8_0_ref}.
 */
public final class Quantize {
    private Quantize() {}

    /** The output types, with the {@code general.file_type} llama.cpp writes for each. */
    public enum Target {
        /** 32-bit floats ({@code LLAMA_FTYPE_ALL_F32}). */
        F32(GgmlType.F32, 0),
        /** IEEE half floats ({@code LLAMA_FTYPE_MOSTLY_F16}). */
        F16(GgmlType.F16, 1),
        /** bfloat16 ({@code LLAMA_FTYPE_MOSTLY_BF16}). */
        BF16(GgmlType.BF16, 32),
        /** 8-bit blocks of 32 with an fp16 scale ({@code LLAMA_FTYPE_MOSTLY_Q8_0}). */
        Q8_0(GgmlType.Q8_0, 7);

        /** The ggml type the matrices are converted to. */
        public final GgmlType type;
        /** The {@code LLAMA_FTYPE_*} value written to {@code general.file_type}. */
        public final int fileType;

        Target(GgmlType type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }

        /**
         * {@code q8_0}, {@code f16}, {@code bf16} or {@code f32} (case-insensitive).
         *
         * @param name a target's name, surrounding blanks ignored
         * @return the target
         * @throws IllegalArgumentException if the name is none of the four
         */
        public static Target parse(String name) {
            for (Target t : values()) if (t.name().equalsIgnoreCase(name.trim())) return t;
            throw new IllegalArgumentException("unknown type '" + name + "'; valid types: q8_0, f16, bf16, f32");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What {@link #run} did: tensors converted and copied, bytes written.
     *
     * @param converted   tensors converted to the target type
     * @param copied      tensors copied unchanged (one-dimensional, or already in the target type)
     * @param outputBytes size of the written file in bytes
     */
    public record Summary(int converted, int copied, long outputBytes) {}

    /**
     * Reads {@code in}, writes the converted file to {@code out} (which must not be {@code in}).
     *
     * @param in     the GGUF to read
     * @param out    the GGUF to write, replaced if it exists
     * @param target the matrices' type
     * @return what was converted and written
     * @throws IOException              if a file cannot be read or written, or {@code in} is not a valid GGUF
     * @throws IllegalArgumentException if {@code out} is {@code in}, or a tensor cannot be read or stored as the target
     */
    public static Summary run(Path in, Path out, Target target) throws IOException {
        if (Files.exists(out) && Files.isSameFile(in, out))
            throw new IllegalArgumentException("output " + out + " is the input file; write to another path");
        try (GgufFile f = GgufFile.open(in); Arena arena = Arena.ofConfined()) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach(w::put);
            w.putU32("general.file_type", target.fileType);
            int converted = 0, copied = 0;
            for (GgufTensor t : f.tensors().values()) {
                if (t.shape().length < 2 || t.type() == target.type) {
                    w.tensor(t.name(), t.type(), t.shape(), t.data());
                    copied++;
                } else {
                    w.tensor(t.name(), target.type, t.shape(), convert(t, target.type, arena));
                    converted++;
                }
            }
            w.write(out);
            return new Summary(converted, copied, Files.size(out));
        }
    }

    /** {@code t} in {@code type}, row by row (a row is ne0 elements), in memory from {@code arena}. */
    static MemorySegment convert(GgufTensor t, GgmlType type, Arena arena) {
        if (!Dequantizer.supports(t.type()))
            throw new IllegalArgumentException(t.name() + ": cannot read tensors of type " + t.type());
        long n = t.rowLength();
        if (n % type.blockSize != 0)
            throw new IllegalArgumentException(t.name() + ": row length " + n + " is not a multiple of " + type
                    + "'s block size " + type.blockSize + "; this tensor cannot be stored as " + type);
        if (n > Integer.MAX_VALUE / 4) throw new IllegalArgumentException(t.name() + ": row of " + n + " elements is too long");
        int len = (int) n;
        long outRow = type.byteSize(n);
        MemorySegment dst = arena.allocate(outRow * t.rows(), 32);
        byte[] q8 = type == GgmlType.Q8_0 ? new byte[(int) outRow] : null;
        for (long r = 0; r < t.rows(); r++) {
            float[] x = Dequantizer.row(t, r);
            long at = r * outRow;
            switch (type) {
                case F32 -> MemorySegment.copy(x, 0, dst, GgufCursor.F32, at, len);
                case F16 -> {
                    for (int i = 0; i < len; i++) dst.set(GgufCursor.I16, at + 2L * i, Half.f32ToF16(x[i]));
                }
                case BF16 -> {
                    for (int i = 0; i < len; i++) dst.set(GgufCursor.I16, at + 2L * i, Half.f32ToBf16(x[i]));
                }
                case Q8_0 -> {
                    Q8Quantizer.quantize(x, 0, len, q8, 0);
                    MemorySegment.copy(q8, 0, dst, ValueLayout.JAVA_BYTE, at, q8.length);
                }
                default -> throw new IllegalArgumentException("cannot write tensors of type " + type);
            }
        }
        return dst;
    }
}
