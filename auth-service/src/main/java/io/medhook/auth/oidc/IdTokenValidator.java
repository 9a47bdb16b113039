package io.medhook.auth.oidc;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jboss.logging.Logger;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Validates an ID token as OIDC Core §3.1.3.7 asks: signature by a key of the provider's JWKS (asymmetric algorithms
 * only), {@code iss} equal to the configured issuer, {@code aud} containing the client id (and {@code azp} equal to it
 * when several audiences are present), {@code exp}, {@code iat}, and the {@code nonce} of this login.
 */
@ApplicationScoped
public class IdTokenValidator {

    private static final Logger LOG = Logger.getLogger(IdTokenValidator.class);
    private static final AlgorithmConstraints ASYMMETRIC = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256,
            AlgorithmIdentifiers.RSA_USING_SHA384, AlgorithmIdentifiers.RSA_USING_SHA512,
            AlgorithmIdentifiers.RSA_PSS_USING_SHA256, AlgorithmIdentifiers.RSA_PSS_USING_SHA384,
            AlgorithmIdentifiers.RSA_PSS_USING_SHA512, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384, AlgorithmIdentifiers.EDDSA);
    /** ID tokens issued longer ago than this are refused even when not expired. */
    private static final int MAX_AGE_SECONDS = 600;

    /** What MedHook takes from a validated ID token. */
    public record IdClaims(String issuer, String subject, String email, boolean emailVerified, String name,
            String preferredUsername) {
    }

    private final OidcProviderClient providers;
    private final OidcConfig config;

    public IdTokenValidator(OidcProviderClient providers, OidcConfig config) {
        this.providers = providers;
        this.config = config;
    }

    public Uni<IdClaims> validate(ProviderMetadata m, String clientId, String idToken, String nonce) {
        return providers.keys(m, false)
                .map(keys -> consume(m, clientId, idToken, nonce, keys))
                .onFailure(UnknownKey.class).recoverWithUni(() -> providers.keys(m, true)
                        .map(keys -> consume(m, clientId, idToken, nonce, keys)))
                .onFailure(UnknownKey.class).transform(e -> invalid());
    }

    private IdClaims consume(ProviderMetadata m, String clientId, String idToken, String nonce, List<JsonWebKey> keys) {
        int skew = (int) config.clockSkew().toSeconds();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setIssuedAtRestrictions(skew, MAX_AGE_SECONDS)
                .setAllowedClockSkewInSeconds(skew)
                .setRequireSubject()
                .setExpectedIssuer(true, m.issuer())
                .setExpectedAudience(true, clientId)
                .setJwsAlgorithmConstraints(ASYMMETRIC)
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(keys))
                .build();
        JwtClaims claims;
        try {
            JwtContext ctx = consumer.process(idToken);
            claims = ctx.getJwtClaims();
        } catch (InvalidJwtException e) {
            if (e.getCause() instanceof UnresolvableKeyException) {
                throw new UnknownKey();
            }
            LOG.debugf("ID token refused: %s", e.getErrorDetails().isEmpty() ? "invalid"
                    : e.getErrorDetails().get(0).getErrorMessage());
            throw invalid();
        }
        try {
            List<String> aud = claims.getAudience();
            String azp = claims.getClaimValueAsString("azp");
            if (aud.size() > 1 && !clientId.equals(azp) || azp != null && !clientId.equals(azp)) {
                throw invalid();
            }
            String got = claims.getClaimValueAsString("nonce");
            if (got == null || !MessageDigest.isEqual(got.getBytes(StandardCharsets.UTF_8),
                    nonce.getBytes(StandardCharsets.UTF_8))) {
                LOG.debug("ID token refused: nonce does not match this login");
                throw invalid();
            }
            Object verified = claims.getClaimValue("email_verified");
            return new IdClaims(claims.getIssuer(), claims.getSubject(), claims.getClaimValueAsString("email"),
                    Boolean.TRUE.equals(verified) || "true".equals(verified), claims.getClaimValueAsString("name"),
                    claims.getClaimValueAsString("preferred_username"));
        } catch (MalformedClaimException e) {
            throw invalid();
        }
    }

    private static MedhookException invalid() {
        return new MedhookException(ErrorKind.UNAUTHORIZED, "The identity provider's ID token is not valid");
    }

    /** No key of the cached JWKS matches the token: refetch once, then give up. */
    static final class UnknownKey extends RuntimeException {
        UnknownKey() {
            super("unknown signing key", null, false, false);
        }
    }
}
