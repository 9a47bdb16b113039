package io.medhook.workflow.credential;

import java.security.PrivateKey;
import java.util.Map;
import java.util.UUID;

/**
 * A credential with its secret values in clear, for the engine only (never serialised, never logged: {@link #toString}
 * shows field names, not values).
 */
public record ResolvedCredential(UUID id, CredentialType type, Map<String, String> values) {

    public String value(String field) {
        return values.get(field);
    }

    /**
     * The private key in {@code privateKeyPem}, read by the same parser that validated it on save; null when there is
     * none or it does not parse as an RSA or EC key.
     */
    public PrivateKey privateKey() {
        String pem = values.get("privateKeyPem");
        return pem == null ? null : CredentialValidator.privateKey(pem);
    }

    @Override
    public String toString() {
        return "ResolvedCredential[id=" + id + ", type=" + type.id() + ", fields=" + values.keySet() + "]";
    }
}
