package io.medhook.common.problem;

/**
 * The kinds of failure a MedHook API reports. Each maps to one HTTP status and one stable problem {@code type}.
 */
public enum ErrorKind {
    BAD_REQUEST(400, "bad-request", "Bad request"),
    VALIDATION(422, "validation", "The request is not valid"),
    UNAUTHORIZED(401, "unauthorized", "Authentication required"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    NOT_FOUND(404, "not-found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    NOT_ACCEPTABLE(406, "not-acceptable", "Not acceptable"),
    CONFLICT(409, "conflict", "Conflict"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    TOO_MANY_REQUESTS(429, "too-many-requests", "Too many requests"),
    INTERNAL(500, "internal", "Internal error"),
    BAD_GATEWAY(502, "bad-gateway", "An upstream service failed"),
    UNAVAILABLE(503, "unavailable", "Service unavailable");

    /** Base URI of every problem type; the suffix is stable and documented in the OpenAPI. */
    public static final String TYPE_BASE = "https://medhook.io/problems/";

    private final int status;
    private final String slug;
    private final String title;

    ErrorKind(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String type() {
        return TYPE_BASE + slug;
    }

    public String title() {
        return title;
    }

    public static ErrorKind forStatus(int status) {
        for (ErrorKind k : values()) {
            if (k.status == status) {
                return k;
            }
        }
        return status >= 500 ? INTERNAL : BAD_REQUEST;
    }
}
