// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GgufWriterTest {
    @TempDir
    Path dir;

    static void assertSameContent(GgufFile a, GgufFile b) {
        assertEquals(List.copyOf(a.metadata().keySet()), List.copyOf(b.metadata().keySet()));
        a.metadata().forEach((k, v) -> assertTrue(v.contentEquals(b.metadata().get(k)), k + ": " + v + " vs " + b.metadata().get(k)));
        assertEquals(List.copyOf(a.tensors().keySet()), List.copyOf(b.tensors().keySet()));
        for (GgufTensor t : a.tensors().values()) {
            GgufTensor u = b.tensor(t.name());
            assertEquals(t.type(), u.type(), t.name());
            assertArrayEquals(t.shape(), u.shape(), t.name());
            assertEquals(-1, t.data().mismatch(u.data()), t.name());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"golden/small-f32.gguf", "golden/small-dense-f32.gguf", "golden/small-dense-q8_0.gguf", "embeddinggemma-vocab.gguf"})
    void roundTripKeepsMetadataAndTensorBytes(String file) throws Exception {
        Path in = TestData.file(file), out = dir.resolve("copy.gguf");
        try (GgufFile a = GgufFile.open(in)) {
            GgufWriter.copyOf(a).write(out);
            try (GgufFile b = GgufFile.open(out)) {
                assertSameContent(a, b);
                assertEquals(a.dataOffset(), b.dataOffset());
            }
        }
        // Same layout rules as llama.cpp's writer: the files are identical byte for byte.
        assertEquals(-1, Files.mismatch(in, out), file);
    }

    @Test
    void everyMetadataTypeSurvivesARoundTrip() throws Exception {
        GgufValue nested = GgufValue.array(GgufValueType.ARRAY, new GgufValue[] {
                GgufValue.array(GgufValueType.INT32, new int[] {1, -2}),
                GgufValue.array(GgufValueType.STRING, new String[] {"x", ""}),
                GgufValue.array(GgufValueType.ARRAY, new GgufValue[] {GgufValue.array(GgufValueType.BOOL, new boolean[] {true})}),
        });
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .putU32("u32", 0xffffffffL)
                .putI32("i32", Integer.MIN_VALUE)
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .putF32("f32", Float.intBitsToFloat(0x7fc00001))
                .put("f64", GgufValueType.FLOAT64, -0.0)
                .putBool("bool", true)
                .putString("str", "héllo ▁ 🙂")
                .putArray("a.u8", GgufValueType.UINT8, new byte[] {0, (byte) 255})
                .putArray("a.i8", GgufValueType.INT8, new byte[] {-1})
                .putArray("a.u16", GgufValueType.UINT16, new short[] {1, (short) 65535})
                .putArray("a.i16", GgufValueType.INT16, new short[] {-1})
                .putArray("a.u32", GgufValueType.UINT32, new int[] {-1, 7})
                .putArray("a.i32", GgufValueType.INT32, new int[] {})
                .putArray("a.u64", GgufValueType.UINT64, new long[] {-1L})
                .putArray("a.i64", GgufValueType.INT64, new long[] {Long.MAX_VALUE})
                .putArray("a.f32", GgufValueType.FLOAT32, new float[] {1.5f, Float.NEGATIVE_INFINITY})
                .putArray("a.f64", GgufValueType.FLOAT64, new double[] {Math.PI})
                .putArray("a.bool", GgufValueType.BOOL, new boolean[] {true, false})
                .putArray("a.str", GgufValueType.STRING, new String[] {"a", "", "<0x0A>", "▁the"})
                .put("a.nested", nested)
                .putU32("general.alignment", 64)
                .tensor("f32", GgmlType.F32, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .tensor("f16", GgmlType.F16, new long[] {3}, new float[] {1, -2, 0.5f})
                .tensor("bf16", GgmlType.BF16, new long[] {2}, new float[] {1, -3})
                .tensor("q8", GgmlType.Q8_0, new long[] {32, 2}, new float[64]);
        Path out = dir.resolve("all.gguf");
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(3, f.version());
            assertEquals(64, f.alignment());
            assertEquals(List.copyOf(w.metadata().keySet()), List.copyOf(f.metadata().keySet()));
            w.metadata().forEach((k, v) -> assertTrue(v.contentEquals(f.value(k)), k + ": wrote " + v + ", read " + f.value(k)));
            assertEquals(255, f.getInt("u8"));
            assertEquals(-1L, f.getLong("u64"));
            assertEquals("héllo ▁ 🙂", f.getString("str"));
            assertArrayEquals(new String[] {"a", "", "<0x0A>", "▁the"}, f.getStringArray("a.str"));
            assertEquals(0x7fc00001, Float.floatToRawIntBits(f.getFloat("f32"))); // NaN payload kept
            for (GgufTensor t : f.tensors().values()) assertEquals(0, (f.dataOffset() + t.offset()) % 64, t.name());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, Dequantizer.all(f.tensor("f32")));
            assertArrayEquals(new float[] {1, -2, 0.5f}, Dequantizer.all(f.tensor("f16")));
            assertArrayEquals(new float[] {1, -3}, Dequantizer.all(f.tensor("bf16")));
            assertEquals(68, f.tensor("q8").byteSize());
            // a second write of what was read gives the same bytes
            Path again = dir.resolve("again.gguf");
            GgufWriter.copyOf(f).write(again);
            assertEquals(-1, Files.mismatch(out, again));
        }
    }

    @Test
    void rejectsMismatchedValuesAndSizes() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.UINT32, 5)); // u32 is held as Long
        assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.FLOAT32, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("t", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[12])));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("t", GgmlType.Q8_0, new long[] {16}, new float[16]));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("x".repeat(64), GgmlType.F32, new long[] {1}, new float[1]));
        w.tensor("t", GgmlType.F32, new long[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.tensor("t", GgmlType.F32, new long[] {1}, new float[1]));
    }

    @Test
    void encodesLittleEndian() {
        byte[] b = GgufWriter.encode(GgmlType.F32, new float[] {1f});
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, b);
        assertEquals(1f, MemorySegment.ofArray(b).get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0));
    }
}
