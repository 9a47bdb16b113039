package io.medhook.common.security;

import io.smallrye.mutiny.Uni;

/** Short-lived client-credentials tokens this service presents when it calls another service. */
public interface ServiceTokens {

    /** A valid bearer token for {@code audience}, from cache when one has enough life left. */
    Uni<String> token(String audience);
}
