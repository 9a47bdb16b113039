package io.medhook.common.security;

import io.smallrye.mutiny.Uni;

/**
 * Verifies an API key ({@code mh_sk_sbx_…} or {@code mh_sk_live_…}) presented as a bearer credential and returns the
 * same principal model as a JWT (kind {@code API_KEY}). Implementations cache answers briefly so a revoked key stops
 * working within seconds without a call to auth-service per request.
 */
public interface ApiKeyVerifier {

    /** The prefix every MedHook API key starts with. */
    String PREFIX = "mh_sk_";

    Uni<MedhookPrincipal> verify(String apiKey);
}
