package io.medhook.common.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "medhook.security")
public interface SecurityConfig {

    /** Expected {@code iss} of every token; must equal auth-service's {@code medhook.auth.issuer}. */
    @WithDefault("urn:medhook:auth")
    String issuer();

    /** Audiences this service accepts; a token must carry at least one of them. */
    List<String> audiences();

    /** Base URL of auth-service, for JWKS and the client-credentials token endpoint. */
    @WithDefault("http://127.0.0.1:8081")
    String authUrl();

    /** How long fetched signing keys are trusted before they are fetched again. */
    @WithDefault("5m")
    Duration jwksRefresh();

    /** Minimum interval between two JWKS fetches triggered by an unknown key id. */
    @WithDefault("5s")
    Duration jwksMinRefetch();

    /** Allowed clock skew when checking {@code exp}, {@code iat} and {@code nbf}. */
    @WithDefault("30s")
    Duration clockSkew();

    /** How often the revocation feed is polled; revoked sessions are refused within about this long. */
    @WithDefault("2s")
    Duration revocationPoll();

    /** This service's OAuth2 client id for client-credentials tokens; absent when it calls no other service. */
    Optional<String> clientId();
}
