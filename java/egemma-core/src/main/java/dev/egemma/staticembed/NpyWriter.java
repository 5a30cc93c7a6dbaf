// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Streams a float32 matrix as NumPy .npy (format 1.0, little-endian, C order), one row at a time. */
public final class NpyWriter implements AutoCloseable {
    private final DataOutputStream out;
    private final int cols;
    private final ByteBuffer buf;
    private long rowsLeft;

    /**
     * Writes the header of a {@code rows x cols} matrix; then call {@link #row} {@code rows} times.
     *
     * @param os   where the file goes (closed by {@link #close()})
     * @param rows number of rows the header declares
     * @param cols values per row
     * @throws IOException if the header cannot be written
     */
    public NpyWriter(OutputStream os, long rows, int cols) throws IOException {
        this.out = new DataOutputStream(os);
        this.cols = cols;
        this.rowsLeft = rows;
        this.buf = ByteBuffer.allocate(4 * cols).order(ByteOrder.LITTLE_ENDIAN);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = 10 + dict.length() + 1; // magic(6) + version(2) + header length(2) + dict + '\n'
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Writes the next row.
     *
     * @param r {@code cols} values
     * @throws IOException              if it cannot be written
     * @throws IllegalArgumentException if {@code r} is not {@code cols} long
     * @throws IllegalStateException    if all declared rows were already written
     */
    public void row(float[] r) throws IOException {
        if (r.length != cols) throw new IllegalArgumentException("row of " + r.length + " values, expected " + cols);
        if (rowsLeft-- <= 0) throw new IllegalStateException("more rows than the header declares");
        buf.clear();
        for (float v : r) buf.putFloat(v);
        out.write(buf.array(), 0, buf.position());
    }

    @Override
    public void close() throws IOException {
        if (rowsLeft != 0) {
            out.close();
            throw new IllegalStateException(rowsLeft + " rows missing");
        }
        out.close();
    }
}
