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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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

    /** More distinct keys than a rotation ever publishes at once; beyond it the cache starts over. */
    static final int MAX_CACHED_CONSUMERS = 16;

    private final SecurityConfig config;
    private final JwksSource jwks;
    /**
     * One configured consumer per verification key. Keyed by the key itself (public keys compare by value), not by
     * {@code kid}: a key id reused for another key can never reach the old key's consumer, and a key that left the
     * JWKS is never handed to us again by the {@link JwksSource}, so its entry is dead until the cache is cleared.
     * jose4j consumers are immutable once built and read the clock on every call, so sharing them is safe.
     */
    private final ConcurrentMap<PublicKey, JwtConsumer> consumers = new ConcurrentHashMap<>();

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
        try {
            JwtClaims claims = consumer(key).processToClaims(token);
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

    /** The cached consumer for {@code key}, built on first use. */
    JwtConsumer consumer(PublicKey key) {
        JwtConsumer c = consumers.get(key);
        if (c != null) {
            return c;
        }
        if (consumers.size() >= MAX_CACHED_CONSUMERS) {
            consumers.clear();
        }
        return consumers.computeIfAbsent(key, this::newConsumer);
    }

    int cachedConsumers() {
        return consumers.size();
    }

    /**
     * RS256 only, signature by {@code key}, {@code exp}/{@code iat}/{@code sub}/{@code jti} required, issuer and one of
     * our audiences. No evaluation time is set, so {@code exp}, {@code nbf} and the validity window are checked against
     * the clock at each {@code processToClaims} call, not at build time.
     */
    private JwtConsumer newConsumer(PublicKey key) {
        return new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, ALGORITHM)
                .setVerificationKey(key)
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireSubject()
                .setRequireJwtId()
                .setAllowedClockSkewInSeconds((int) config.clockSkew().toSeconds())
                .setMaxFutureValidityInMinutes((int) (Claims.MAX_LIFETIME_SECONDS / 60) + 1)
                .setExpectedIssuer(config.issuer())
                .setExpectedAudience(config.audiences().toArray(String[]::new))
                .build();
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
