package io.medhook.workflow.engine;

import io.medhook.workflow.credential.ResolvedCredential;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;

/**
 * Access tokens of {@code smart_backend} credentials (HL7 SMART App Launch, "Backend Services"): a client assertion
 * JWT ({@code iss} = {@code sub} = clientId, {@code aud} = tokenUrl, random {@code jti}, {@code exp} 4 minutes ahead,
 * header {@code kid} when the credential has a keyId, {@code alg} RS384 or ES384) signed with the credential's private
 * key, posted as {@code client_credentials} grant with {@code client_assertion_type=…:jwt-bearer} through the egress
 * client. Tokens are cached per credential (and version of its values) and scope until shortly before they expire;
 * concurrent steps share one fetch. Keys, assertions and tokens live in memory only and are never logged.
 */
@ApplicationScoped
public class SmartBackendTokens {

    /** How far ahead the assertion's {@code exp} lies (the specification allows at most five minutes). */
    static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(4);
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private final OAuth2Tokens tokens;
    private final OAuth2Tokens.Cache cache = new OAuth2Tokens.Cache();

    public SmartBackendTokens(OAuth2Tokens tokens) {
        this.tokens = tokens;
    }

    /** A cached token for this credential and scope when still fresh, otherwise a new one. */
    public Uni<String> token(ResolvedCredential c, String scope) {
        return cache.get(OAuth2Tokens.key(c, scope), () -> fetch(c, scope));
    }

    /** Forgets {@code rejected} (the server answered 401 to it), so the next call fetches a fresh token. */
    public void invalidate(ResolvedCredential c, String scope, String rejected) {
        cache.invalidate(OAuth2Tokens.key(c, scope), rejected);
    }

    /** The signed client assertion; {@code credential_error} when the key cannot be used (never naming it). */
    static String assertion(ResolvedCredential c) {
        String algorithm = c.value("algorithm");
        PrivateKey key = privateKey(c, "ES384".equals(algorithm) ? "EC" : "RSA");
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(c.value("clientId"));
        claims.setSubject(c.value("clientId"));
        claims.setAudience(c.value("tokenUrl"));
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAtToNow();
        claims.setExpirationTime(NumericDate.fromSeconds(Instant.now().plus(ASSERTION_LIFETIME).getEpochSecond()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setHeader("typ", "JWT");
        jws.setAlgorithmHeaderValue("ES384".equals(algorithm) ? AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384
                : AlgorithmIdentifiers.RSA_USING_SHA384);
        if (c.value("keyId") != null) {
            jws.setKeyIdHeaderValue(c.value("keyId"));
        }
        try {
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new StepFailure("credential_error", "credential " + c.id() + " cannot sign a client assertion");
        }
    }

    /** The credential's key if it is of {@code algorithm} ({@code RSA} or {@code EC}); else {@code credential_error}. */
    private static PrivateKey privateKey(ResolvedCredential c, String algorithm) {
        PrivateKey key = c.privateKey();
        if (key == null || !algorithm.equals(key.getAlgorithm())) {
            throw new StepFailure("credential_error", "the credential's private key cannot be read");
        }
        return key;
    }

    private Uni<OAuth2Tokens.Token> fetch(ResolvedCredential c, String scope) {
        return tokens.exchange(c.value("tokenUrl"), Map.of(), "grant_type=client_credentials&scope="
                + OAuth2Tokens.form(scope) + "&client_assertion_type=" + OAuth2Tokens.form(ASSERTION_TYPE)
                + "&client_assertion=" + OAuth2Tokens.form(assertion(c)));
    }
}
