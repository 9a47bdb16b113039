package io.medhook.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verifier keeps one jose4j consumer per verification key: these tests show that the cached consumer still checks
 * everything at every call (clock, issuer, audience, algorithm, life, signature key).
 */
class JwtVerifierTest {

    private static final String ISSUER = "urn:medhook:auth";
    private static final String KID = "k1";
    private static KeyPair keyA;
    private static KeyPair keyB;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keyA = g.generateKeyPair();
        keyB = g.generateKeyPair();
    }

    private static JwtVerifier verifier(PublicKey published, Duration skew) {
        return verifier(new AtomicReference<>(published), skew);
    }

    /** A JWKS of one key id whose key the test may replace. */
    private static JwtVerifier verifier(AtomicReference<PublicKey> published, Duration skew) {
        JwksSource jwks = kid -> KID.equals(kid) ? Uni.createFrom().item(published.get())
                : Uni.createFrom().failure(new InvalidTokenException("token signed with an unknown key"));
        return new JwtVerifier(config(skew), jwks);
    }

    private static String token(KeyPair key, String alg, Consumer<JwtClaims> edit) throws Exception {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(Claims.AUD_SANDBOX);
        c.setSubject("workflow-service");
        c.setJwtId(UUID.randomUUID().toString());
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + 300));
        c.setClaim(Claims.KIND, "service");
        c.setStringListClaim(Claims.ROLES, List.of("service"));
        edit.accept(c);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(key.getPrivate());
        jws.setKeyIdHeaderValue(KID);
        jws.setAlgorithmHeaderValue(alg);
        return jws.getCompactSerialization();
    }

    private static String token(KeyPair key, Consumer<JwtClaims> edit) throws Exception {
        return token(key, AlgorithmIdentifiers.RSA_USING_SHA256, edit);
    }

    private static MedhookPrincipal verify(JwtVerifier v, String token) {
        return v.verify(token).await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void reusesOneConsumerPerKeyComparedByValue() throws Exception {
        JwtVerifier v = verifier(keyA.getPublic(), Duration.ofSeconds(30));
        PublicKey sameKeyParsedAgain = PublicJsonWebKey.Factory
                .newPublicJwk(new RsaJsonWebKey((java.security.interfaces.RSAPublicKey) keyA.getPublic()).toJson())
                .getPublicKey();
        assertNotSame(keyA.getPublic(), sameKeyParsedAgain);
        assertSame(v.consumer(keyA.getPublic()), v.consumer(sameKeyParsedAgain), "a JWKS refetch reuses the consumer");
        assertNotSame(v.consumer(keyA.getPublic()), v.consumer(keyB.getPublic()));
    }

    @Test
    void acceptsAValidTokenRepeatedly() throws Exception {
        JwtVerifier v = verifier(keyA.getPublic(), Duration.ofSeconds(30));
        String t = token(keyA, c -> { });
        for (int i = 0; i < 3; i++) {
            MedhookPrincipal p = verify(v, t);
            assertEquals("workflow-service", p.subject());
            assertEquals(MedhookPrincipal.Kind.SERVICE, p.kind());
        }
    }

    @Test
    void cachedConsumerReadsTheClockAtEachCall() throws Exception {
        JwtVerifier v = verifier(keyA.getPublic(), Duration.ZERO);
        long now = Instant.now().getEpochSecond();
        String t = token(keyA, c -> c.setExpirationTime(NumericDate.fromSeconds(now + 1)));
        assertEquals("workflow-service", verify(v, t).subject());
        while (Instant.now().getEpochSecond() <= now + 1) {
            Thread.sleep(100);
        }
        assertThrows(InvalidTokenException.class, () -> verify(v, t), "expired after the consumer was built");
    }

    @Test
    void aKeyIdPublishedWithAnotherKeyNeverReachesTheOldKeysConsumer() throws Exception {
        AtomicReference<PublicKey> jwks = new AtomicReference<>(keyA.getPublic());
        JwtVerifier v = verifier(jwks, Duration.ofSeconds(30));
        String signedByA = token(keyA, c -> { });
        verify(v, signedByA);
        jwks.set(keyB.getPublic());
        assertThrows(InvalidTokenException.class, () -> verify(v, signedByA));
        assertEquals("workflow-service", verify(v, token(keyB, c -> { })).subject());
    }

    @Test
    void cachedConsumerStillChecksIssuerAudienceAlgorithmAndLife() throws Exception {
        JwtVerifier v = verifier(keyA.getPublic(), Duration.ofSeconds(30));
        verify(v, token(keyA, c -> { }));
        long now = Instant.now().getEpochSecond();
        List<String> bad = List.of(
                token(keyA, c -> c.setIssuer("urn:someone-else")),
                token(keyA, c -> c.setAudience("medhook-elsewhere")),
                token(keyA, c -> c.setExpirationTime(NumericDate.fromSeconds(now - 60))),
                token(keyA, c -> c.setExpirationTime(NumericDate.fromSeconds(now + Claims.MAX_LIFETIME_SECONDS + 60))),
                token(keyA, c -> c.setIssuedAt(NumericDate.fromSeconds(now + 600))),
                token(keyA, c -> c.unsetClaim("jti")),
                token(keyA, AlgorithmIdentifiers.RSA_USING_SHA384, c -> { }),
                token(keyB, c -> { }));
        for (String t : bad) {
            assertThrows(InvalidTokenException.class, () -> verify(v, t));
        }
    }

    @Test
    void cacheStaysBounded() throws Exception {
        JwtVerifier v = verifier(keyA.getPublic(), Duration.ofSeconds(30));
        java.security.interfaces.RSAPublicKey a = (java.security.interfaces.RSAPublicKey) keyA.getPublic();
        java.security.KeyFactory rsa = java.security.KeyFactory.getInstance("RSA");
        for (int i = 1; i <= JwtVerifier.MAX_CACHED_CONSUMERS + 1; i++) {
            // distinct public keys (only compared and stored here, never used to verify)
            v.consumer(rsa.generatePublic(new java.security.spec.RSAPublicKeySpec(
                    a.getModulus().add(java.math.BigInteger.valueOf(2L * i)), a.getPublicExponent())));
        }
        assertTrue(v.cachedConsumers() <= JwtVerifier.MAX_CACHED_CONSUMERS);
    }

    /** Only the settings the verifier reads; a proxy, so new keys in SecurityConfig do not break this test. */
    private static SecurityConfig config(Duration skew) {
        return (SecurityConfig) java.lang.reflect.Proxy.newProxyInstance(SecurityConfig.class.getClassLoader(),
                new Class<?>[] { SecurityConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "issuer" -> ISSUER;
                    case "audiences" -> List.of(Claims.AUD_SANDBOX);
                    case "clockSkew" -> skew;
                    case "toString" -> "test SecurityConfig";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
