// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

/**
 * A request the server answers with an error status and an error body: OpenAI's
 * {@code {"error":{"message","type","param","code"}}}, or its route's API's own shape ({@link Route#errorBody}).
 * Thrown for the client's mistakes and for overload; the message is written for the client and never carries a
 * stack trace.
 */
public final class ApiException extends RuntimeException {
    /** The HTTP status. */
    private final int status;
    /** OpenAI's error type. */
    private final String type;
    /** The request field at fault, or null. */
    private final String param;
    /** OpenAI's machine-readable error code, or null. */
    private final String code;
    /** Seconds for a Retry-After header, 0 for none. */
    private final long retryAfterSeconds;

    ApiException(int status, String type, String message, String param, String code, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null, 0);
    }

    static ApiException badRequest(String message, String param, String code) {
        return new ApiException(400, "invalid_request_error", message, param, code, 0);
    }

    static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error",
                "missing or wrong API key: send the header 'Authorization: Bearer <key>'", null, "invalid_api_key", 0);
    }

    static ApiException notFound(String message, String param, String code) {
        return new ApiException(404, "invalid_request_error", message, param, code, 0);
    }

    static ApiException methodNotAllowed(String method, String allowed) {
        return new ApiException(405, "invalid_request_error", "method " + method + " is not allowed here; use " + allowed, null, "method_not_allowed", 0);
    }

    static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request body is larger than the server's limit of " + limit + " bytes", null, "request_too_large", 0);
    }

    static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, "invalid_request_error", message, null, "unsupported_media_type", 0);
    }

    /** A request the HTTP layer refuses before any route sees it (400, 408, 414, 417, 431, 501, 505). */
    static ApiException http(int status, String message, String code) {
        return new ApiException(status, "invalid_request_error", message, null, code, 0);
    }

    static ApiException shuttingDown() {
        return unavailable("the server is shutting down", "shutting_down", 1);
    }

    /**
     * The token budget is full: 429 with Retry-After on every route, single input or batch alike. 429 as TEI answers
     * its full queue and as OpenAI answers rate limits, so that their clients back off and retry (the openai SDKs
     * retry 429 honouring Retry-After); 503 stays for "not serving" (loading, stopping, timeout).
     */
    static ApiException overloaded(String message, long retryAfterSeconds) {
        return new ApiException(429, "server_error", message, null, "overloaded", retryAfterSeconds);
    }

    static ApiException unavailable(String message, String code, long retryAfterSeconds) {
        return new ApiException(503, "server_error", message, null, code, retryAfterSeconds);
    }

    /**
     * The HTTP status of the answer.
     *
     * @return 400 to 599, e.g. 400 for a bad request, 429 when overloaded
     */
    public int status() {
        return status;
    }

    /**
     * OpenAI's error type.
     *
     * @return {@code invalid_request_error} for the client's mistakes, {@code server_error} otherwise
     */
    public String type() {
        return type;
    }

    /**
     * The request field at fault.
     *
     * @return its name, e.g. {@code model}, or null when no single field is
     */
    public String param() {
        return param;
    }

    /**
     * OpenAI's machine-readable error code.
     *
     * @return e.g. {@code model_not_found} or {@code overloaded}; null when none applies
     */
    public String code() {
        return code;
    }

    /**
     * Seconds for a Retry-After header, 0 for none.
     *
     * @return the seconds to wait before retrying, or 0
     */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
