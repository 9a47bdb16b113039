package io.medhook.auth.token;

import io.medhook.auth.AuthConfig;
import io.medhook.common.Ids;
import io.medhook.common.security.Claims;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Mints MedHook access tokens (RS256, named by {@code kid}) with smallrye-jwt-build. */
@ApplicationScoped
public class TokenIssuer {

    private static final Duration MAX = Duration.ofSeconds(Claims.MAX_LIFETIME_SECONDS);

    /** A token and how long it lives. */
    public record Issued(String token, long expiresIn) {
    }

    private final AuthConfig config;
    private final SigningKeys keys;

    public TokenIssuer(AuthConfig config, SigningKeys keys) {
        this.config = config;
        this.keys = keys;
    }

    /** A user access token for the API audience, bound to a login session. */
    public Issued user(String userId, String username, String sessionId, List<String> roles,
            Map<String, String> workspaces) {
        Duration life = min(config.accessTokenLifetime());
        Instant now = Instant.now();
        SigningKeys.Active k = keys.active();
        String token = Jwt.issuer(config.issuer())
                .subject(userId)
                .audience(Claims.AUD_API)
                .issuedAt(now)
                .expiresAt(now.plus(life))
                .claim("jti", Ids.uuidV7().toString())
                .claim(Claims.KIND, "user")
                .claim(Claims.SESSION, sessionId)
                .claim(Claims.NAME, username)
                .claim(Claims.ROLES, roles)
                .claim(Claims.WORKSPACES, workspaces)
                .jws().keyId(k.kid()).algorithm(SignatureAlgorithm.RS256)
                .sign(k.privateKey());
        return new Issued(token, life.toSeconds());
    }

    /** A client-credentials token for one audience. */
    public Issued service(String clientId, String audience) {
        Duration life = min(config.serviceTokenLifetime());
        Instant now = Instant.now();
        SigningKeys.Active k = keys.active();
        String token = Jwt.issuer(config.issuer())
                .subject(clientId)
                .audience(audience)
                .issuedAt(now)
                .expiresAt(now.plus(life))
                .claim("jti", Ids.uuidV7().toString())
                .claim(Claims.KIND, "service")
                .claim(Claims.NAME, clientId)
                .claim(Claims.ROLES, List.of("service"))
                .claim("client_id", clientId)
                .jws().keyId(k.kid()).algorithm(SignatureAlgorithm.RS256)
                .sign(k.privateKey());
        return new Issued(token, life.toSeconds());
    }

    private static Duration min(Duration configured) {
        return configured.compareTo(MAX) > 0 ? MAX : configured;
    }
}
