// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request line and header block (RFC 9112), parsed strictly where leniency lets a request be misread or
 * smuggled past a proxy (folded lines, spaces before the colon, control characters): those are a 400.
 *
 * @param path    the target's path, percent-decoded (what routes match)
 * @param http11  HTTP/1.1 (keep-alive by default) rather than HTTP/1.0 (one request per connection here)
 * @param headers by case-insensitive name, the values in the order sent
 */
record RequestHead(String method, String target, String path, boolean http11, Map<String, List<String>> headers) {

    static RequestHead parse(byte[] head) {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\n");
        String[] requestLine = stripCr(lines[0]).split(" ", -1);
        if (requestLine.length != 3 || !isToken(requestLine[0]) || requestLine[1].isEmpty())
            throw bad("malformed request line; expected 'METHOD /path HTTP/1.1'");
        String target = requestLine[1];
        if (target.length() > HttpBounds.MAX_TARGET_BYTES)
            throw ApiException.http(414, "the request target is longer than the server's limit of " + HttpBounds.MAX_TARGET_BYTES + " bytes", "uri_too_long");
        boolean http11 = switch (requestLine[2]) {
            case "HTTP/1.1" -> true;
            case "HTTP/1.0" -> false;
            default -> throw requestLine[2].matches("HTTP/\\d\\.\\d")
                    ? ApiException.http(505, "HTTP version " + requestLine[2].substring(5) + " is not supported; use HTTP/1.1", "http_version_not_supported")
                    : bad("malformed HTTP version in the request line");
        };
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            if (line.isEmpty()) break;
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') throw bad("folded header lines are not accepted");
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) throw bad("malformed header line " + (i + 1));
            String value = trimOws(line.substring(colon + 1));
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) throw bad("control character in header " + line.substring(0, colon));
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>()).add(value);
        }
        return new RequestHead(requestLine[0], target, path(target), http11, headers);
    }

    /** The first value of a header, or null. */
    String header(String name) {
        List<String> v = headers.get(name);
        return v == null ? null : v.getFirst();
    }

    List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** Whether the client asked for the connection to end after this request (or speaks HTTP/1.0). */
    boolean wantsClose() {
        if (!http11) return true;
        for (String v : headers("Connection"))
            for (String option : v.split(",")) if (option.strip().equalsIgnoreCase("close")) return true;
        return false;
    }

    /** The path of an origin-form ({@code /p?q}) or absolute-form ({@code http://h/p}) target, decoded. */
    private static String path(String target) {
        if (target.equals("*")) return target;
        try {
            if (target.startsWith("/")) {
                int q = target.indexOf('?');
                return new URI(q < 0 ? target : target.substring(0, q)).getPath();
            }
            URI u = new URI(target);
            if (u.isAbsolute() && u.getRawPath() != null) return u.getRawPath().isEmpty() ? "/" : u.getPath();
        } catch (URISyntaxException e) {
            // a 400 below
        }
        throw bad("malformed request target");
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) return false;
        }
        return true;
    }

    /** Without the spaces and tabs around a header value (and nothing else: a control character stays, to be refused). */
    private static String trimOws(String v) {
        int a = 0, b = v.length();
        while (a < b && (v.charAt(a) == ' ' || v.charAt(a) == '\t')) a++;
        while (b > a && (v.charAt(b - 1) == ' ' || v.charAt(b - 1) == '\t')) b--;
        return v.substring(a, b);
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static ApiException bad(String message) {
        return ApiException.http(400, message, "bad_request");
    }
}
