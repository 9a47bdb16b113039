package io.medhook.auth.oidc;

import io.medhook.common.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

/**
 * One started login, kept in the browser between the redirect to the provider and the callback (sealed in a cookie
 * by {@link LoginFlowCookie}): the provider, {@code state}, {@code nonce}, PKCE {@code code_verifier}, where to go
 * afterwards and when it expires.
 */
public record LoginFlow(String provider, String state, String nonce, String verifier, String returnTo,
        Instant expiresAt) {

    /** A new flow with 256-bit state and nonce and a 43-character verifier (RFC 7636 §4.1). */
    public static LoginFlow start(String provider, String returnTo, Instant expiresAt) {
        return new LoginFlow(provider, Ids.randomToken(32), Ids.randomToken(32), Ids.randomToken(32), returnTo,
                expiresAt);
    }

    /** The S256 code challenge of the verifier (RFC 7636 §4.2). */
    public String codeChallenge() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the callback's {@code state} is this flow's, compared in constant time. */
    public boolean matches(String provider, String state, Instant now) {
        return this.provider.equals(provider) && state != null && now.isBefore(expiresAt)
                && MessageDigest.isEqual(this.state.getBytes(StandardCharsets.UTF_8),
                        state.getBytes(StandardCharsets.UTF_8));
    }
}
