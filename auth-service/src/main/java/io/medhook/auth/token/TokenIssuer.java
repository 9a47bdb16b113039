package io.medhook.auth.token;

import io.medhook.auth.AuthConfig;
import io.medhook.common.Ids;
import io.medhook.common.security.Claims;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Mints MedHook access tokens: RS256 JWS (header {@code alg}, {@code kid}, {@code typ: JWT}) with jose4j, the library
 * every service verifies them with. (smallrye-jwt-build, used before, produced the same tokens but read its
 * configuration and built the claims through JSON-P on every call: about a tenth of the cost of a grant.)
 */
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
        JwtClaims c = claims(userId, Claims.AUD_API, life);
        c.setClaim(Claims.KIND, "user");
        c.setClaim(Claims.SESSION, sessionId);
        c.setClaim(Claims.NAME, username);
        c.setClaim(Claims.ROLES, roles);
        c.setClaim(Claims.WORKSPACES, workspaces);
        return new Issued(sign(c), life.toSeconds());
    }

    /** A client-credentials token for one audience. */
    public Issued service(String clientId, String audience) {
        Duration life = min(config.serviceTokenLifetime());
        JwtClaims c = claims(clientId, audience, life);
        c.setClaim(Claims.KIND, "service");
        c.setClaim(Claims.NAME, clientId);
        c.setClaim(Claims.ROLES, List.of("service"));
        c.setClaim("client_id", clientId);
        return new Issued(sign(c), life.toSeconds());
    }

    private JwtClaims claims(String subject, String audience, Duration life) {
        long now = Instant.now().getEpochSecond();
        JwtClaims c = new JwtClaims();
        c.setIssuer(config.issuer());
        c.setSubject(subject);
        c.setAudience(audience); // one audience: a JSON string, as before
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + life.toSeconds()));
        c.setJwtId(Ids.uuidV7().toString());
        return c;
    }

    private String sign(JwtClaims claims) {
        SigningKeys.Active k = keys.active();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(k.kid());
        jws.setHeader("typ", "JWT");
        jws.setKey(k.privateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    private static Duration min(Duration configured) {
        return configured.compareTo(MAX) > 0 ? MAX : configured;
    }
}
