package io.medhook.workflow.credential;

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

    @Override
    public String toString() {
        return "ResolvedCredential[id=" + id + ", type=" + type.id() + ", fields=" + values.keySet() + "]";
    }
}
