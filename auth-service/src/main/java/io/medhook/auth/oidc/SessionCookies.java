package io.medhook.auth.oidc;

import io.medhook.common.Ids;

/**
 * The browser's credentials after a login. {@code medhook_session} carries the access token (HttpOnly, Secure,
 * SameSite=Strict, Path=/, as long as the token lives). {@code medhook_csrf} is its double-submit CSRF token: readable
 * by MedHook's own scripts (not HttpOnly), which echo it in the {@value #CSRF_HEADER} header of every state-changing
 * request carried by the session cookie.
 */
public final class SessionCookies {

    public static final String SESSION = "medhook_session";
    public static final String CSRF = "medhook_csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private SessionCookies() {
    }

    public static String session(String token, long maxAgeSeconds) {
        return SESSION + "=" + token + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; Secure; SameSite=Strict";
    }

    /** A fresh CSRF cookie with 256 bits of randomness. */
    public static String csrf(long maxAgeSeconds) {
        return CSRF + "=" + Ids.randomToken(32) + "; Path=/; Max-Age=" + maxAgeSeconds + "; Secure; SameSite=Strict";
    }
}
