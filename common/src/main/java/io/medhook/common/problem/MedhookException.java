package io.medhook.common.problem;

import java.util.Map;

/**
 * A domain failure with a safe, client-facing detail. It carries no JAX-RS types; {@link ProblemMappers} renders it as
 * RFC 9457 problem+json. The detail must never contain PHI, secrets or tokens.
 */
public class MedhookException extends RuntimeException {

    private final ErrorKind kind;
    private final transient Map<String, Object> extensions;

    public MedhookException(ErrorKind kind, String detail) {
        this(kind, detail, Map.of(), null);
    }

    public MedhookException(ErrorKind kind, String detail, Map<String, Object> extensions) {
        this(kind, detail, extensions, null);
    }

    public MedhookException(ErrorKind kind, String detail, Map<String, Object> extensions, Throwable cause) {
        super(detail, cause, false, false);
        this.kind = kind;
        this.extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    public ErrorKind kind() {
        return kind;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public static MedhookException notFound(String what) {
        return new MedhookException(ErrorKind.NOT_FOUND, what + " not found");
    }

    public static MedhookException badRequest(String detail) {
        return new MedhookException(ErrorKind.BAD_REQUEST, detail);
    }

    public static MedhookException validation(String detail, Map<String, Object> extensions) {
        return new MedhookException(ErrorKind.VALIDATION, detail, extensions);
    }

    public static MedhookException conflict(String detail) {
        return new MedhookException(ErrorKind.CONFLICT, detail);
    }

    public static MedhookException forbidden(String detail) {
        return new MedhookException(ErrorKind.FORBIDDEN, detail);
    }

    public static MedhookException unauthorized(String detail) {
        return new MedhookException(ErrorKind.UNAUTHORIZED, detail);
    }
}
