// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Each malformed file is rejected with a GgufFormatException naming the file, the byte offset and the field. */
class GgufValidationTest {
    private static final String NAME = "bad.gguf";

    private static GgufFormatException reject(byte[] bytes, long offset, String field) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.parse(NAME, MemorySegment.ofArray(bytes)));
        String m = e.getMessage();
        assertTrue(m.startsWith(NAME + ": at byte " + offset + ", "), m);
        assertTrue(m.contains(field), "expected field '" + field + "' in: " + m);
        assertEquals(offset, e.offset());
        return e;
    }

    /** One F32 tensor of 8 elements at offset 0; returns the bytes with the tensor info starting at {@code infoAt[0]}. */
    private static RawGguf oneTensor(GgmlType type, long offset, long... shape) {
        return new RawGguf().header(1, 0).tensorInfo("w", type, offset, shape).padTo(32);
    }

    @Test
    void validMinimalFileParses() throws Exception {
        byte[] b = oneTensor(GgmlType.F32, 0, 8).zeros(32).bytes();
        try (GgufFile f = GgufFile.parse(NAME, MemorySegment.ofArray(b))) {
            assertEquals(8, f.tensor("w").elementCount());
        }
    }

    @Test
    void version2Parses() throws Exception {
        byte[] b = new RawGguf().u32(GgufFile.MAGIC).u32(2).u64(0).u64(1).kvU32("k", 5).bytes();
        try (GgufFile f = GgufFile.parse(NAME, MemorySegment.ofArray(b))) {
            assertEquals(2, f.version());
            assertEquals(5, f.getInt("k"));
        }
    }

    @Test
    void bigEndianFileIsNamedAsSuch() {
        byte[] b = new RawGguf().u32(GgufFile.MAGIC).u32(Integer.reverseBytes(3)).u64(0).u64(0).bytes();
        assertTrue(reject(b, 4, "version").getMessage().contains("big-endian"));
    }

    @Test
    void badMagic() {
        byte[] b = new RawGguf().u32(0x46554746).u32(3).u64(0).u64(0).bytes();
        reject(b, 0, "magic");
    }

    @Test
    void unsupportedVersion() {
        reject(new RawGguf().u32(GgufFile.MAGIC).u32(1).u64(0).u64(0).bytes(), 4, "version");
        reject(new RawGguf().u32(GgufFile.MAGIC).u32(4).u64(0).u64(0).bytes(), 4, "version");
    }

    @Test
    void truncatedHeader() {
        byte[] full = new RawGguf().header(0, 0).bytes();
        for (int n = 0; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            reject(cut, n, "header");
        }
    }

    @Test
    void truncatedKeyValue() {
        byte[] full = new RawGguf().header(0, 1).kvU32("general.alignment", 32).bytes();
        reject(Arrays.copyOf(full, full.length - 1), full.length - 4, "general.alignment");
    }

    @Test
    void stringLengthPastTheEnd() {
        RawGguf r = new RawGguf().header(0, 1);
        int at = r.pos();
        byte[] b = r.u64(100).u8('a').u8('b').zeros(20).bytes();
        reject(b, at + 8, "metadata key #0");
    }

    @Test
    void absurdStringLength() {
        RawGguf r = new RawGguf().header(0, 1).str("k").u32(GgufValueType.STRING.id);
        int at = r.pos();
        reject(r.u64(Long.MAX_VALUE).bytes(), at, "k");
    }

    @Test
    void absurdArrayLengthAllocatesNothing() {
        RawGguf r = new RawGguf().header(0, 1).str("tokenizer.ggml.scores").u32(GgufValueType.ARRAY.id).u32(GgufValueType.FLOAT32.id);
        int at = r.pos();
        GgufFormatException e = reject(r.u64(1L << 40).zeros(16).bytes(), at, "tokenizer.ggml.scores array length");
        assertTrue(e.getMessage().contains("cannot fit"), e.getMessage());
    }

    @Test
    void stringArrayEntryPastTheEnd() {
        RawGguf r = new RawGguf().header(0, 1).str("tokens").u32(GgufValueType.ARRAY.id).u32(GgufValueType.STRING.id).u64(2).str("ok");
        int at = r.pos();
        reject(r.u64(1000).zeros(12).bytes(), at, "tokens[1]");
    }

    @Test
    void stringArrayEntryTooLongAfterManyGoodOnesIsNamedByItsIndex() {
        // past the first chunks of the prefix walk: the index and offset still name the bad entry
        RawGguf r = new RawGguf().header(0, 1).str("tokens").u32(GgufValueType.ARRAY.id).u32(GgufValueType.STRING.id).u64(100);
        for (int i = 0; i < 70; i++) r.str("t" + i);
        int at = r.pos();
        GgufFormatException e = reject(r.u64(-5).zeros(64).bytes(), at, "tokens[70]");
        assertTrue(e.getMessage().contains("longer than the limit"), e.getMessage());
    }

    @Test
    void unknownValueType() {
        RawGguf r = new RawGguf().header(0, 1).str("k");
        int at = r.pos();
        reject(r.u32(13).u32(0).bytes(), at, "type of k");
    }

    @Test
    void invalidBool() {
        RawGguf r = new RawGguf().header(0, 1).str("b").u32(GgufValueType.BOOL.id);
        int at = r.pos();
        reject(r.u8(2).bytes(), at, "b");
    }

    @Test
    void duplicateKey() {
        RawGguf r = new RawGguf().header(0, 2).kvU32("a", 1);
        int at = r.pos();
        reject(r.kvU32("a", 2).bytes(), at, "a");
    }

    @Test
    void arraysNestedTooDeep() {
        RawGguf r = new RawGguf().header(0, 1).str("n").u32(GgufValueType.ARRAY.id);
        for (int i = 0; i < 20; i++) r.u32(GgufValueType.ARRAY.id).u64(1);
        reject(r.zeros(64).bytes(), deepOffset(), "n[0][0]");
    }

    private static int deepOffset() {
        // header 24 + key (8 + 1) + value type 4 = 37; each level is element type (4) + length (8); the 9th level fails
        return 37 + 8 * 12;
    }

    @Test
    void badAlignment() {
        RawGguf r = new RawGguf().header(0, 1).str("general.alignment").u32(GgufValueType.UINT32.id);
        int at = r.pos();
        reject(r.u32(24).bytes(), at, "general.alignment");
        RawGguf r2 = new RawGguf().header(0, 1).str("general.alignment").u32(GgufValueType.INT32.id);
        int at2 = r2.pos();
        reject(r2.u32(32).bytes(), at2, "general.alignment");
    }

    @Test
    void tensorCountOverflow() {
        reject(new RawGguf().header(1L << 62, 0).zeros(64).bytes(), 8, "tensor_count");
        reject(new RawGguf().header(-1L, 0).zeros(64).bytes(), 8, "tensor_count");
        reject(new RawGguf().header(0, 1L << 40).zeros(64).bytes(), 16, "metadata_kv_count");
    }

    @Test
    void tooManyDims() {
        RawGguf r = new RawGguf().header(1, 0).str("w");
        int at = r.pos();
        r.u32(5);
        for (int i = 0; i < 5; i++) r.u64(1);
        reject(r.u32(0).u64(0).zeros(64).bytes(), at, "n_dims of w");
    }

    @Test
    void zeroAndNegativeDims() {
        int dimAt = 24 + 8 + 1 + 4 + 8; // header, name "w", n_dims, ne[0]
        reject(oneTensor(GgmlType.F32, 0, 8, 0).zeros(64).bytes(), dimAt, "ne[1] of w");
        reject(oneTensor(GgmlType.F32, 0, 8, -5).zeros(64).bytes(), dimAt, "ne[1] of w");
    }

    @Test
    void elementCountOverflow() {
        reject(oneTensor(GgmlType.F32, 0, 1L << 32, 1L << 32).zeros(64).bytes(), 24 + 8 + 1 + 4 + 8, "shape of w");
    }

    @Test
    void byteSizeOverflow() {
        reject(oneTensor(GgmlType.F32, 0, 1L << 62).zeros(64).bytes(), 24, "shape of w");
    }

    @Test
    void rowNotAMultipleOfTheBlockSize() {
        GgufFormatException e = reject(oneTensor(GgmlType.Q8_0, 0, 31, 2).zeros(128).bytes(), 24, "shape of w");
        assertTrue(e.getMessage().contains("block size 32"), e.getMessage());
    }

    /** Two tensors: "u" of type id {@code typeId} at {@code uOffset}, then a 32-element F32 "w" at {@code wOffset}. */
    private static RawGguf unknownThenF32(int typeId, long uOffset, long wOffset) {
        return new RawGguf().header(2, 0).tensorInfo("u", typeId, uOffset, 32, 2).tensorInfo("w", GgmlType.F32, wOffset, 32).padTo(32);
    }

    /** Byte position of the offset field of "w" in {@link #unknownThenF32}: header, u's info (name 1, 2 dims), w's name, dims. */
    private static final int W_OFFSET_AT = 24 + (8 + 1 + 4 + 16 + 4 + 8) + (8 + 1 + 4 + 8 + 4);

    @Test
    void unknownTensorTypeIsListedAndTheRestOfTheFileIsUsable() throws Exception {
        for (int id : new int[] {4, 5, 31, 36, 38, 43, 99, -1, Integer.MAX_VALUE}) {
            byte[] b = unknownThenF32(id, 0, 64).zeros(64 + 128).bytes();
            try (GgufFile f = GgufFile.parse(NAME, MemorySegment.ofArray(b))) {
                GgufTensor u = f.tensor("u");
                assertFalse(u.hasKnownType());
                assertEquals(id, u.typeId());
                assertEquals("type#" + id, u.typeName());
                assertArrayEquals(new long[] {32, 2}, u.shape());
                assertEquals(64, u.elementCount());
                for (Runnable use : new Runnable[] {u::type, u::data, u::byteSize, u::rowBytes, () -> Dequantizer.all(u)}) {
                    Exception e = assertThrows(UnsupportedOperationException.class, use::run);
                    assertTrue(e.getMessage().startsWith("u: ") && e.getMessage().contains("type id " + id), e.getMessage());
                }
                GgufTensor w = f.tensor("w");
                assertTrue(w.hasKnownType());
                assertEquals(GgmlType.F32.id, w.typeId());
                assertEquals(128, w.data().byteSize());
                assertEquals(32, Dequantizer.all(w).length);
            }
        }
    }

    @Test
    void tensorsBesideAnUnknownTypeAreStillBoundsChecked() {
        reject(unknownThenF32(99, 0, 64).zeros(64 + 64).bytes(), W_OFFSET_AT, "offset of w");  // w needs 128 bytes, 64 there
        reject(unknownThenF32(99, 0, 0).zeros(256).bytes(), W_OFFSET_AT, "offset of w");       // w starts where u does
        int uOffsetAt = 24 + 8 + 1 + 4 + 16 + 4;
        reject(unknownThenF32(99, 4, 64).zeros(256).bytes(), uOffsetAt, "offset of u");        // misaligned
        reject(unknownThenF32(99, 1L << 40, 0).zeros(256).bytes(), uOffsetAt, "offset of u");  // past the data section
        reject(unknownThenF32(99, 128, 0).zeros(128).bytes(), uOffsetAt, "offset of u");       // no byte left for u
        GgufFormatException e = reject(unknownThenF32(99, 64, 0).zeros(256).bytes(), uOffsetAt, "offset of u"); // u inside w
        assertTrue(e.getMessage().contains("overlaps tensor w"), e.getMessage());
    }

    @Test
    void misalignedOffset() {
        int offAt = 24 + 8 + 1 + 4 + 8 + 4;
        reject(oneTensor(GgmlType.F32, 4, 8).zeros(64).bytes(), offAt, "offset of w");
    }

    @Test
    void tensorDataOutsideTheFile() {
        int offAt = 24 + 8 + 1 + 4 + 8 + 4;
        reject(oneTensor(GgmlType.F32, 0, 8).zeros(16).bytes(), offAt, "offset of w");       // 32 bytes needed, 16 there
        reject(oneTensor(GgmlType.F32, 1L << 40, 8).zeros(64).bytes(), offAt, "offset of w");
        reject(oneTensor(GgmlType.F32, 0, 8).bytes(), offAt, "offset of w"); // no data section at all
    }

    @Test
    void overlappingTensors() {
        RawGguf r = new RawGguf().header(2, 0).tensorInfo("a", GgmlType.F32, 0, 16);
        int bOffAt = r.pos() + 8 + 1 + 4 + 8 + 4;
        byte[] b = r.tensorInfo("b", GgmlType.F32, 32, 8).padTo(32).zeros(128).bytes();
        GgufFormatException e = reject(b, bOffAt, "offset of b");
        assertTrue(e.getMessage().contains("overlaps tensor a"), e.getMessage());
    }

    @Test
    void duplicateTensorName() {
        byte[] b = new RawGguf().header(2, 0).tensorInfo("a", GgmlType.F32, 0, 8).tensorInfo("a", GgmlType.F32, 32, 8)
                .padTo(32).zeros(64).bytes();
        reject(b, 24 + 8 + 1 + 4 + 8 + 4 + 8, "tensor a");
    }

    @Test
    void tensorNameTooLong() {
        byte[] c = new RawGguf().header(1, 0).tensorInfo("x".repeat(64), GgmlType.F32, 0, 8).padTo(32).zeros(32).bytes();
        reject(c, 24, "tensor name #0");
    }

    @Test
    void emptyFileOnDisk(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path p = dir.resolve("empty.gguf");
        Files.write(p, new byte[0]);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().startsWith(p + ": at byte 0, header"), e.getMessage());
    }
}
