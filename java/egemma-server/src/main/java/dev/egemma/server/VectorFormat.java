// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.egemma.Quantized;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a vector is written in a response ({@code encoding_format} on {@code /v1/embeddings} and {@code /embed}):
 * JSON floats, OpenAI's base64 of little-endian float32, or {@link Quantized}'s forms as JSON integer arrays
 * (int8 in [-127, 127], uint8 in [0, 255], binary packed sign bits minus 128 in [-128, 127], ubinary packed sign
 * bits in [0, 255]; ceil(dimensions / 8) values for the bit forms).
 */
enum VectorFormat {
    FLOAT, BASE64, INT8, UINT8, BINARY, UBINARY;

    /** The format named {@code name} (lower case, as the APIs spell it); 400 naming {@code field} otherwise. */
    static VectorFormat parse(String name, String field) {
        if (name == null) return FLOAT;
        for (VectorFormat f : values()) if (f.id().equals(name)) return f;
        throw ApiException.badRequest("'" + field + "' must be one of " + Arrays.stream(values()).map(f -> "\"" + f.id() + "\"")
                .collect(Collectors.joining(", ")) + "; got \"" + RequestParser.abbreviate(name) + "\"", field);
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** int8 and uint8 scale by a fixed factor that assumes unit vectors. */
    boolean needsUnitVectors() {
        return this == INT8 || this == UINT8;
    }

    void write(JsonGenerator g, float[] v) throws IOException {
        switch (this) {
            case FLOAT -> Json.floats(g, v);
            case BASE64 -> g.writeString(base64(v));
            case INT8 -> signed(g, Quantized.int8(v));
            case BINARY -> signed(g, Quantized.binary(v));
            case UINT8 -> unsigned(g, Quantized.uint8(v));
            case UBINARY -> unsigned(g, Quantized.ubinary(v));
        }
    }

    private static void signed(JsonGenerator g, byte[] b) throws IOException {
        g.writeStartArray(b, b.length);
        for (byte x : b) g.writeNumber(x);
        g.writeEndArray();
    }

    private static void unsigned(JsonGenerator g, byte[] b) throws IOException {
        g.writeStartArray(b, b.length);
        for (byte x : b) g.writeNumber(Byte.toUnsignedInt(x));
        g.writeEndArray();
    }

    /** Little-endian float32 bytes, base64 (what OpenAI returns and its clients decode). */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
