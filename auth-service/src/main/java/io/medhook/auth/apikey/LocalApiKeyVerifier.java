package io.medhook.auth.apikey;

import io.medhook.common.security.ApiKeyVerifier;
import io.medhook.common.security.InvalidTokenException;
import io.medhook.common.security.MedhookPrincipal;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * auth-service verifies API keys presented to its own endpoints against its database, without calling its own
 * introspection endpoint; answers are cached briefly ({@link ApiKeyCache}). Replaces medhook-common's HTTP verifier.
 */
@ApplicationScoped
public class LocalApiKeyVerifier implements ApiKeyVerifier {

    /** Recorded as {@code via} in {@code api-key.use} audit events. */
    static final String VIA = "auth-service";

    private final ApiKeyService service;
    private final ApiKeyCache cache;

    public LocalApiKeyVerifier(ApiKeyService service, ApiKeyCache cache) {
        this.service = service;
        this.cache = cache;
    }

    @Override
    public Uni<MedhookPrincipal> verify(String apiKey) {
        if (!ApiKeyTokens.wellFormed(apiKey)) {
            return Uni.createFrom().failure(new InvalidTokenException("API key is malformed"));
        }
        byte[] hash = ApiKeyTokens.sha256(apiKey);
        String fingerprint = ApiKeyTokens.fingerprint(hash);
        ApiKeyCache.Entry cached = cache.get(fingerprint);
        Uni<MedhookPrincipal> answer = cached != null ? Uni.createFrom().item(cached.principal())
                : service.authenticate(hash, VIA).invoke(p -> cache.put(fingerprint, p));
        return answer.map(p -> {
            if (p == null) {
                throw new InvalidTokenException("API key is unknown, revoked or expired");
            }
            return p;
        });
    }
}
