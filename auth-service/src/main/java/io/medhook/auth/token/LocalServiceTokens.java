package io.medhook.auth.token;

import io.medhook.common.security.ServiceTokens;
import io.medhook.common.security.SecurityConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** auth-service's own outbound calls (the audit relay) use tokens it signs itself. */
@ApplicationScoped
public class LocalServiceTokens implements ServiceTokens {

    private final TokenIssuer issuer;
    private final String clientId;

    public LocalServiceTokens(TokenIssuer issuer, SecurityConfig security) {
        this.issuer = issuer;
        this.clientId = security.clientId().orElse("auth-service");
    }

    @Override
    public Uni<String> token(String audience) {
        return Uni.createFrom().item(() -> issuer.service(clientId, audience).token());
    }
}
