package io.medhook.common;

import java.security.SecureRandom;
import java.util.UUID;

/** Identifier helpers. */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** A time-ordered UUID (RFC 9562 version 7): 48-bit Unix milliseconds, then random bits. */
    public static UUID uuidV7() {
        long ms = System.currentTimeMillis();
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (ms << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** Parses an id from a path; an id that is not a UUID cannot exist, so it is 404 like any unknown id. */
    public static UUID uuidOrNotFound(String s, String what) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw io.medhook.common.problem.MedhookException.notFound(what);
        }
    }

    /** {@code bytes} random bytes, base64url without padding: for tokens that must be unguessable. */
    public static String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
