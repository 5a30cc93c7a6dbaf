// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egemma.Quantized;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.egemma.server.ServerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** encoding_format's quantized forms on /v1/embeddings, /embed and /api/embed: exactly Quantized's values of the float vectors. */
class VectorFormatServerTest {
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = serve(config(Limits.defaults(), null), goldenModels("gemma", "small-dense-f32"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop(Duration.ofSeconds(5));
    }

    private static JsonNode openAi(String format, String extra) throws Exception {
        Reply r = post(server, "/v1/embeddings", "{\"input\":[\"The quick brown fox\",\"second\"],\"encoding_format\":\"" + format + "\"" + extra + "}");
        assertEquals(200, r.status(), r.raw().body());
        return r.json().get("data");
    }

    private static JsonNode tei(String body) throws Exception {
        Reply r = post(server, "/embed", body);
        assertEquals(200, r.status(), r.raw().body());
        return r.json();
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            assertTrue(arr.get(i).isIntegralNumber(), arr.toString());
            out[i] = arr.get(i).intValue();
        }
        return out;
    }

    private static int[] signed(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i];
        return out;
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = Byte.toUnsignedInt(b[i]);
        return out;
    }

    @Test
    void openAiQuantizedFormsAreQuantizedsValuesOfTheFloats() throws Exception {
        JsonNode fl = openAi("float", "");
        JsonNode i8 = openAi("int8", ""), u8 = openAi("uint8", ""), bin = openAi("binary", ""), ubin = openAi("ubinary", "");
        for (int i = 0; i < 2; i++) {
            float[] v = floats(fl.get(i).get("embedding"));
            assertArrayEquals(signed(Quantized.int8(v)), ints(i8.get(i).get("embedding")));
            assertArrayEquals(unsigned(Quantized.uint8(v)), ints(u8.get(i).get("embedding")));
            assertArrayEquals(signed(Quantized.binary(v)), ints(bin.get(i).get("embedding")));
            assertArrayEquals(unsigned(Quantized.ubinary(v)), ints(ubin.get(i).get("embedding")));
            assertEquals(8, ubin.get(i).get("embedding").size()); // 64 dimensions, 8 bits a byte
        }
        assertEquals(2, openAi("ubinary", ",\"dimensions\":16").get(0).get("embedding").size());
    }

    @Test
    void embedTakesTheSameFormats() throws Exception {
        float[] v = floats(tei("{\"inputs\":\"hello\"}").get(0));
        assertArrayEquals(signed(Quantized.int8(v)), ints(tei("{\"inputs\":\"hello\",\"encoding_format\":\"int8\"}").get(0)));
        assertArrayEquals(unsigned(Quantized.ubinary(v)), ints(tei("{\"inputs\":\"hello\",\"encoding_format\":\"ubinary\"}").get(0)));
        assertEquals(VectorFormat.base64(v), tei("{\"inputs\":\"hello\",\"encoding_format\":\"base64\"}").get(0).textValue());
        // sign bits need no unit length: binary of the raw vector is allowed, and the same signs
        float[] raw = floats(tei("{\"inputs\":\"hello\",\"normalize\":false}").get(0));
        assertArrayEquals(signed(Quantized.binary(raw)), ints(tei("{\"inputs\":\"hello\",\"normalize\":false,\"encoding_format\":\"binary\"}").get(0)));
    }

    @Test
    void ollamasRouteTakesTheSameFormats() throws Exception {
        Reply fl = post(server, "/api/embed", "{\"input\":[\"hello\",\"second\"]}");
        assertEquals(200, fl.status(), fl.raw().body());
        Reply i8 = post(server, "/api/embed", "{\"input\":[\"hello\",\"second\"],\"encoding_format\":\"int8\"}");
        assertEquals(200, i8.status(), i8.raw().body());
        for (int i = 0; i < 2; i++) {
            float[] v = floats(fl.json().get("embeddings").get(i));
            assertArrayEquals(signed(Quantized.int8(v)), ints(i8.json().get("embeddings").get(i)));
        }
        Reply bad = post(server, "/api/embed", "{\"input\":\"a\",\"encoding_format\":\"int4\"}");
        assertEquals(400, bad.status(), bad.raw().body());
        assertTrue(bad.json().get("error").isTextual() && bad.json().get("error").textValue().contains("encoding_format"), bad.raw().body());
    }

    @Test
    void badFormatsAreClear400s() throws Exception {
        assertError(post(server, "/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":\"int4\"}"), 400, "\"ubinary\"");
        assertError(post(server, "/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":\"INT8\"}"), 400, "'encoding_format' must be one of");
        assertError(post(server, "/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":8}"), 400, "'encoding_format' must be a string");
        for (String body : new String[] {"{\"inputs\":\"a\",\"encoding_format\":\"bits\"}", "{\"inputs\":\"a\",\"encoding_format\":[]}",
                "{\"inputs\":\"a\",\"normalize\":false,\"encoding_format\":\"int8\"}", "{\"inputs\":\"a\",\"normalize\":false,\"encoding_format\":\"uint8\"}"}) {
            Reply r = post(server, "/embed", body);
            assertEquals(400, r.status(), r.raw().body());
            assertEquals("Validation", r.json().get("error_type").textValue());
            assertTrue(r.json().get("error").textValue().contains("encoding_format"), r.raw().body());
        }
    }
}
