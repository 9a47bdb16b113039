package io.medhook.auth.oidc;

import io.medhook.common.Ids;
import io.medhook.common.security.MedhookAuthMechanism;

/**
 * The browser's credentials after a login. {@code medhook_session} carries the access token (HttpOnly, Secure,
 * SameSite=Strict, Path=/, as long as the token lives). {@code medhook_csrf} is its double-submit CSRF token: readable
 * by MedHook's own scripts (not HttpOnly), which echo it in the {@value #CSRF_HEADER} header of every state-changing
 * request carried by the session cookie.
 */
public final class SessionCookies {

    public static final String SESSION = MedhookAuthMechanism.SESSION_COOKIE;
    public static final String CSRF = MedhookAuthMechanism.CSRF_COOKIE;
    public static final String CSRF_HEADER = MedhookAuthMechanism.CSRF_HEADER;

    private SessionCookies() {
    }

    public static String session(String token, long maxAgeSeconds) {
        return SESSION + "=" + token + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; Secure; SameSite=Strict";
    }

    /** Set-Cookie values that make the browser drop both cookies (logout). */
    public static java.util.List<String> cleared() {
        return java.util.List.of(SESSION + "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                CSRF + "=; Path=/; Max-Age=0; Secure; SameSite=Strict");
    }

    /** A fresh CSRF cookie with 256 bits of randomness. */
    public static String csrf(long maxAgeSeconds) {
        return CSRF + "=" + Ids.randomToken(32) + "; Path=/; Max-Age=" + maxAgeSeconds + "; Secure; SameSite=Strict";
    }
}
