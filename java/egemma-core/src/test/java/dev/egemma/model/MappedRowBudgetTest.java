// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.egemma.gguf.GgufFile;
import dev.egemma.testing.TestData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file pages a row-by-row reader maps leave this process's resident set: {@link MappedRowBudget} for token_embd,
 * {@link GgufFile#releaseMetadataPages()} for the header. Read from /proc/self/smaps (the mapping's Rss), so Linux only.
 */
class MappedRowBudgetTest {
    private static final int ROW = 4096, ROWS = 2048; // one row a page: 8 MiB

    @TempDir
    Path dir;

    @Test
    void rowsReadAreUnloadedOnceTheBudgetIsSpent() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux's /proc/self/smaps to see resident pages");
        Path file = dir.resolve("rows.bin");
        Files.write(file, new byte[ROW * ROWS]);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) ROW * ROWS, arena);
            MappedRowBudget budget = new MappedRowBudget(m, 100);
            long sum = 0;
            for (int r = 0; r < 99; r++) sum += m.get(ValueLayout.JAVA_BYTE, (long) r * 20 * ROW % m.byteSize());
            budget.read(99);
            long before = residentKb(m);
            assertTrue(before >= 99 * 4, "99 rows read, one page each, are resident: " + before + " KiB");
            budget.read(1); // the 100th row: the budget is spent
            assertEquals(0, residentKb(m), "resident KiB after the unload");
            for (int r = 0; r < 10; r++) sum += m.get(ValueLayout.JAVA_BYTE, (long) r * ROW);
            budget.read(10);
            assertTrue(residentKb(m) > 0, "rows read again fault back in (and stay until the next 100)");
            assertEquals(0, sum);
        }
    }

    @Test
    void anImageInMemoryIsLeftAlone() {
        MemorySegment heap = MemorySegment.ofArray(new byte[ROW]);
        MappedRowBudget budget = new MappedRowBudget(heap, 1);
        budget.read(5); // MemorySegment.unload would throw on a segment that is not mapped
        assertEquals(0, heap.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void theHeaderPagesLeaveAfterOpening() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux's /proc/self/smaps to see resident pages");
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            long sum = 0;
            for (long o = 0; o < f.dataOffset(); o += 4096) sum += f.mapping().get(ValueLayout.JAVA_BYTE, o);
            MemorySegment header = f.mapping().asSlice(0, f.dataOffset());
            assertTrue(residentKb(header) > 0, "the header was just read");
            f.releaseMetadataPages();
            // the one file is one mapping: what may stay is the 64 KiB a fault mapped around the header's last page
            assertTrue(residentKb(header) <= 64, "resident KiB after releaseMetadataPages: " + residentKb(header));
            assertEquals(List.copyOf(f.tensors().keySet()).size(), f.tensors().size()); // still usable
            assertTrue(sum != Long.MIN_VALUE);
        }
    }

    /** Resident KiB of the mapping holding {@code m} (its VMA in /proc/self/smaps). */
    private static long residentKb(MemorySegment m) throws IOException {
        long addr = m.address();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            if (dash > 0 && line.indexOf(' ') > dash && isHex(line.substring(0, dash))) {
                long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long hi = Long.parseUnsignedLong(line.substring(dash + 1, line.indexOf(' ')), 16);
                in = lo <= addr && addr < hi;
            } else if (in && line.startsWith("Rss:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no mapping holds " + Long.toHexString(addr));
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.digit(s.charAt(i), 16) < 0) return false;
        return !s.isEmpty();
    }
}
