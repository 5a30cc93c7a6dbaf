// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP/1.1 client on a bare socket, for what HttpClient hides: exact request bytes, keep-alive connections held
 * open, half-sent bodies, disconnects, pipelining. Reads fail after 10 s so a hang is a test failure, not a stall.
 */
final class RawHttp implements AutoCloseable {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }

        boolean closes() {
            return "close".equalsIgnoreCase(headers.get("Connection"));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(EmbeddingServer s) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 10_000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A request with a JSON body and its Content-Length. */
    static String post(String path, String json) {
        return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next response (a HEAD response has no body whatever its Content-Length); fails on EOF. */
    Response read(boolean head) throws IOException {
        Response r = readOrNull(head);
        if (r == null) throw new IOException("the server closed the connection without a response");
        return r;
    }

    Response read() throws IOException {
        return read(false);
    }

    /** The next response, or null when the server closed or reset the connection first. */
    Response readOrNull(boolean head) throws IOException {
        String headText;
        try {
            headText = readHead();
        } catch (java.net.SocketException e) { // reset: the server closed with our bytes unread
            return null;
        }
        if (headText == null) return null;
        String[] lines = headText.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).trim(), lines[i].substring(c + 1).trim());
        }
        int length = head || status == 100 ? 0 : Integer.parseInt(headers.getOrDefault("Content-Length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) throw new IOException("body cut at " + body.length + " of " + length + " bytes");
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; matched < 4; ) {
            if ((c = in.read()) < 0) {
                if (b.size() == 0) return null;
                throw new IOException("EOF inside a response head: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** True when the server has closed (EOF or reset) before sending anything more. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
