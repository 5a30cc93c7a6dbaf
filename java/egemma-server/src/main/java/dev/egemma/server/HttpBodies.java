// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

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
    private HttpBodies() {}

    /**
     * The whole body, at most {@code limit} bytes. A declared length over the limit is a 413 at once, before a byte
     * of the body is read (the connection then closes: nothing of that body is ever read); a chunked body is cut
     * off at the limit.
     */
    static byte[] read(Exchange ex, long limit) throws IOException {
        if (ex.declaredLength() > limit) throw ApiException.tooLarge(limit);
        InputStream in = ex.body();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, 1 << 16));
        byte[] buf = new byte[1 << 14];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) throw ApiException.tooLarge(limit);
            out.write(buf, 0, n);
        }
        return out.toByteArray();
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
