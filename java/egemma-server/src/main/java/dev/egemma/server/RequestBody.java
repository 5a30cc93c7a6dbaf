// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.EOFException;
import java.io.IOException;
import java.util.List;

/**
 * A request body's framing (RFC 9112 section 6): Content-Length, or the chunked transfer coding, read from the
 * connection's input until the request's read deadline. The framing is decided from the head before any route
 * runs: both headers at once is a 400 (a request-smuggling shape), a coding other than chunked a 501.
 */
abstract sealed class RequestBody {
    final ConnectionInput in;
    final long deadline;

    private RequestBody(ConnectionInput in, long deadline) {
        this.in = in;
        this.deadline = deadline;
    }

    static RequestBody open(RequestHead head, ConnectionInput in, long deadline) {
        List<String> te = head.headers("Transfer-Encoding"), cl = head.headers("Content-Length");
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) throw bad("a request may not have both Content-Length and Transfer-Encoding");
            String coding = String.join(",", te).strip();
            if (!coding.equalsIgnoreCase("chunked"))
                throw ApiException.http(501, "Transfer-Encoding '" + coding + "' is not supported; send the body with Content-Length or chunked", "not_implemented");
            return new Chunked(in, deadline);
        }
        long length = -1;
        for (String v : cl)
            for (String part : v.split(",", -1)) {
                String digits = part.strip();
                if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) throw bad("Content-Length '" + v + "' is not a number");
                // more digits than a long holds: larger than any limit, answered 413 like any too-large length
                long n = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
                if (length >= 0 && n != length) throw bad("conflicting Content-Length values");
                length = n;
            }
        return new Fixed(in, deadline, Math.max(0, length));
    }

    /** The length the head declared, or -1 when chunked. */
    abstract long declaredLength();

    /** Bytes still to come, or -1 when unknown (chunked). */
    abstract long remaining();

    /** Whether the body has been read to its end. */
    abstract boolean finished();

    /** Up to {@code len} bytes; -1 at the body's end. EOF inside the body is an {@link EOFException}. */
    abstract int read(byte[] b, int off, int len) throws IOException;

    private static ApiException bad(String message) {
        return ApiException.http(400, message, "bad_request");
    }

    private static final class Fixed extends RequestBody {
        private final long length;
        private long left;

        Fixed(ConnectionInput in, long deadline, long length) {
            super(in, deadline);
            this.length = length;
            this.left = length;
        }

        @Override long declaredLength() { return length; }
        @Override long remaining() { return left; }
        @Override boolean finished() { return left == 0; }

        @Override
        int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left), deadline);
            if (n < 0) throw new EOFException("the connection closed inside a request body");
            left -= n;
            return n;
        }
    }

    /** Chunks of {@code HEX[;ext] CRLF data CRLF}, ending with a zero-size chunk and optional trailers (dropped). */
    private static final class Chunked extends RequestBody {
        private static final int MAX_LINE = 4096;
        private long left; // bytes left in the current chunk
        private boolean done;

        Chunked(ConnectionInput in, long deadline) {
            super(in, deadline);
        }

        @Override long declaredLength() { return -1; }
        @Override long remaining() { return done ? 0 : -1; }
        @Override boolean finished() { return done; }

        @Override
        int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (left == 0) {
                left = chunkSize(line());
                if (left == 0) {
                    int trailers = 0;
                    for (String t; !(t = line()).isEmpty(); ) if ((trailers += t.length()) > HttpBounds.MAX_HEAD_BYTES) throw bad("chunked trailers are too large");
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left), deadline);
            if (n < 0) throw new EOFException("the connection closed inside a chunked request body");
            left -= n;
            if (left == 0 && !line().isEmpty()) throw bad("a chunk is longer than its size says");
            return n;
        }

        private static long chunkSize(String line) {
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
            if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) throw bad("malformed chunk size line");
            return Long.parseLong(hex, 16);
        }

        /** A line without its CRLF (or bare LF). */
        private String line() throws IOException {
            StringBuilder s = new StringBuilder();
            for (int c; (c = in.read(deadline)) != '\n'; ) {
                if (c < 0) throw new EOFException("the connection closed inside a chunked request body");
                if (s.length() == MAX_LINE) throw bad("a chunk line is longer than " + MAX_LINE + " bytes");
                s.append((char) c);
            }
            int end = s.length();
            return end > 0 && s.charAt(end - 1) == '\r' ? s.substring(0, end - 1) : s.toString();
        }
    }
}
