package io.medhook.common.security;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jose4j.json.JsonUtil;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * Verifies MedHook access tokens locally: RS256 only, signature against auth-service's published key named by
 * {@code kid}, issuer, one of this service's audiences, {@code exp}/{@code iat} present, and a life of at most two
 * hours. No call to auth-service per request.
 */
@ApplicationScoped
public class JwtVerifier {

    public static final String ALGORITHM = AlgorithmIdentifiers.RSA_USING_SHA256;

    private final SecurityConfig config;
    private final JwksSource jwks;

    public JwtVerifier(SecurityConfig config, JwksSource jwks) {
        this.config = config;
        this.jwks = jwks;
    }

    public Uni<MedhookPrincipal> verify(String token) {
        String kid;
        try {
            kid = headerKid(token);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(new InvalidTokenException("token is malformed"));
        }
        return jwks.key(kid).map(key -> verify(token, key));
    }

    MedhookPrincipal verify(String token, PublicKey key) {
        long skew = config.clockSkew().toSeconds();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, ALGORITHM)
                .setVerificationKey(key)
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireSubject()
                .setRequireJwtId()
                .setAllowedClockSkewInSeconds((int) skew)
                .setMaxFutureValidityInMinutes((int) (Claims.MAX_LIFETIME_SECONDS / 60) + 1)
                .setExpectedIssuer(config.issuer())
                .setExpectedAudience(config.audiences().toArray(String[]::new))
                .build();
        try {
            JwtClaims claims = consumer.processToClaims(token);
            long exp = claims.getExpirationTime().getValue();
            long iat = claims.getIssuedAt().getValue();
            if (exp - iat > Claims.MAX_LIFETIME_SECONDS) {
                throw new InvalidTokenException("token lives longer than two hours");
            }
            if (iat > Instant.now().getEpochSecond() + skew) {
                throw new InvalidTokenException("token is issued in the future");
            }
            return principal(claims);
        } catch (InvalidJwtException e) {
            throw new InvalidTokenException("token failed verification");
        } catch (MalformedClaimException | ClassCastException | IllegalArgumentException e) {
            throw new InvalidTokenException("token claims are malformed");
        }
    }

    @SuppressWarnings("unchecked")
    static MedhookPrincipal principal(JwtClaims claims) throws MalformedClaimException {
        MedhookPrincipal.Kind kind = MedhookPrincipal.Kind.fromClaim(claims.getStringClaimValue(Claims.KIND));
        Set<String> roles = new HashSet<>();
        if (claims.hasClaim(Claims.ROLES)) {
            roles.addAll(claims.getStringListClaimValue(Claims.ROLES));
        }
        Map<String, String> ws = new LinkedHashMap<>();
        Object rawWs = claims.getClaimValue(Claims.WORKSPACES);
        if (rawWs instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : ((Map<Object, Object>) m).entrySet()) {
                ws.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
        String name = claims.hasClaim(Claims.NAME) ? claims.getStringClaimValue(Claims.NAME) : claims.getSubject();
        return new MedhookPrincipal(claims.getSubject(), kind, name,
                claims.hasClaim(Claims.SESSION) ? claims.getStringClaimValue(Claims.SESSION) : null,
                Set.copyOf(roles), Map.copyOf(ws), claims.getJwtId(),
                Instant.ofEpochSecond(claims.getExpirationTime().getValue()));
    }

    private static String headerKid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0 || token.length() > 16_384) {
            throw new IllegalArgumentException("not a JWS");
        }
        String header = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
        try {
            Map<String, Object> h = JsonUtil.parseJson(header);
            Object kid = h.get("kid");
            if (!(kid instanceof String s) || s.isEmpty() || !ALGORITHM.equals(h.get("alg"))) {
                throw new IllegalArgumentException("no kid or wrong alg");
            }
            return s;
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalArgumentException("header is not JSON", e);
        }
    }

    /** Used by tests and by audience checks elsewhere. */
    public List<String> audiences() {
        return config.audiences();
    }
}
