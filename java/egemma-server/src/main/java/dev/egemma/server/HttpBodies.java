package dev.egemma.server;

import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** Reading request bodies within the size limit, as strict UTF-8. */
final class HttpBodies {
    /** A too-large body is read and dropped up to this many times the limit, so the client sees the 413 rather than a reset. */
    private static final int DRAIN_FACTOR = 4;

    private HttpBodies() {}

    static byte[] read(HttpExchange ex, long limit) throws IOException {
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            long declared;
            try {
                declared = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length '" + cl + "' is not a number", null);
            }
            if (declared > limit) {
                drain(ex.getRequestBody(), limit * DRAIN_FACTOR);
                throw ApiException.tooLarge(limit);
            }
        }
        InputStream in = ex.getRequestBody();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, 1 << 16));
        byte[] buf = new byte[1 << 14];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) {
                drain(in, limit * DRAIN_FACTOR);
                throw ApiException.tooLarge(limit);
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static void drain(InputStream in, long max) throws IOException {
        byte[] buf = new byte[1 << 14];
        long seen = 0;
        for (int n; seen < max && (n = in.read(buf)) > 0; ) seen += n;
    }

    /** The body decoded as UTF-8; malformed or truncated sequences are a 400 naming the byte offset. */
    static String utf8(byte[] body) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            CharBuffer out = d.decode(in);
            return out.toString();
        } catch (MalformedInputException e) {
            throw ApiException.badRequest("the request body is not valid UTF-8 (bad byte sequence at offset " + in.position() + ")", null);
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("the request body is not valid UTF-8", null);
        }
    }
}
