package io.medhook.auth.apikey;

import java.time.Instant;

/** An API key as listed: never the key or its hash. */
public record ApiKeyView(String id, String name, String role, String prefix, Instant createdAt, Instant lastUsedAt,
        Instant expiresAt, Instant revokedAt) {

    static ApiKeyView of(ApiKey k) {
        return new ApiKeyView(k.id.toString(), k.name, k.role, k.prefix, k.createdAt, k.lastUsedAt, k.expiresAt,
                k.revokedAt);
    }
}
