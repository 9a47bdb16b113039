package io.medhook.auth.apikey;

import java.time.Instant;

/** The answer to a creation or rotation: the only time the full {@code key} is ever shown. */
public record CreatedApiKey(String id, String name, String role, String prefix, String key, Instant createdAt,
        Instant expiresAt) {

    static CreatedApiKey of(ApiKey k, String key) {
        return new CreatedApiKey(k.id.toString(), k.name, k.role, k.prefix, key, k.createdAt, k.expiresAt);
    }

    @Override
    public String toString() {
        return "CreatedApiKey[id=" + id + ", prefix=" + prefix + "]"; // never the key
    }
}
