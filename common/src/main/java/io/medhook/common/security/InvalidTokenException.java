package io.medhook.common.security;

/** A credential failed verification. The message is safe to log: it never contains the token. */
public class InvalidTokenException extends RuntimeException {
    public InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
