package io.medhook.auth.oidc;

import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.SecretStore;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Seals a {@link LoginFlow} into the value of an HttpOnly cookie with AES-256-GCM under a key from the secrets
 * interface ({@code oidc/flow-key}), so every replica can finish a login another one started and the browser can
 * neither read nor alter the PKCE verifier or nonce. The cookie is {@code SameSite=Lax}: it must come back on the
 * provider's top-level redirect to the callback.
 */
@ApplicationScoped
public class LoginFlowCookie {

    public static final String NAME = "medhook_oidc_flow";
    public static final String PATH = "/api/v1/auth/oidc/";
    static final String KEY_SECRET = "oidc/flow-key";
    private static final byte[] AAD = "medhook-oidc-login-flow-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LENGTH = 2048;

    private final SecretStore secrets;
    private volatile byte[] key;

    public LoginFlowCookie(SecretStore secrets) {
        this.secrets = secrets;
    }

    /** The Set-Cookie header value carrying the sealed flow. Call off the event loop the first time (secret read). */
    public String set(LoginFlow flow, long maxAgeSeconds) {
        JsonObject json = new JsonObject().put("p", flow.provider()).put("s", flow.state()).put("n", flow.nonce())
                .put("v", flow.verifier()).put("r", flow.returnTo()).put("e", flow.expiresAt().getEpochSecond());
        byte[] sealed = Aead.encrypt(key(), json.encode().getBytes(StandardCharsets.UTF_8), AAD);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
        return NAME + "=" + value + "; Path=" + PATH + "; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; Secure; SameSite=Lax";
    }

    /** The Set-Cookie header value that removes the flow cookie. */
    public static String clear() {
        return NAME + "=; Path=" + PATH + "; Max-Age=0; HttpOnly; Secure; SameSite=Lax";
    }

    /** The flow sealed in a cookie value; empty when absent, altered, or sealed under another key. */
    public Optional<LoginFlow> open(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        try {
            byte[] plain = Aead.decrypt(key(), Base64.getUrlDecoder().decode(value), AAD);
            JsonObject j = new JsonObject(new String(plain, StandardCharsets.UTF_8));
            return Optional.of(new LoginFlow(j.getString("p"), j.getString("s"), j.getString("n"), j.getString("v"),
                    j.getString("r"), Instant.ofEpochSecond(j.getLong("e"))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Loads the key (a blocking secrets read on first use). */
    void warm() {
        key();
    }

    private byte[] key() {
        byte[] k = key;
        if (k == null) {
            String b64 = secrets.getOrCreate(KEY_SECRET,
                    () -> Base64.getEncoder().encodeToString(Aead.newKey()));
            k = Base64.getDecoder().decode(b64);
            key = k;
        }
        return k;
    }
}
