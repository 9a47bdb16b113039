package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.workflow.credential.ResolvedCredential;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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

    private final EgressClient egress;
    private final ObjectMapper json;
    private final Map<String, CompletableFuture<OAuth2Tokens.Token>> cache = new ConcurrentHashMap<>();

    public SmartBackendTokens(EgressClient egress, ObjectMapper json) {
        this.egress = egress;
        this.json = json;
    }

    /** A cached token for this credential and scope when still fresh, otherwise a new one. */
    public Uni<String> token(ResolvedCredential c, String scope) {
        String key = key(c, scope);
        CompletableFuture<OAuth2Tokens.Token> mine = new CompletableFuture<>();
        CompletableFuture<OAuth2Tokens.Token> current = cache.compute(key, (k, old) -> {
            if (old != null && (!old.isDone() || fresh(old))) {
                return old;
            }
            return mine;
        });
        if (current == mine) {
            Uni.createFrom().deferred(() -> fetch(c, scope)).subscribe().with(mine::complete, f -> {
                cache.remove(key, mine);
                mine.completeExceptionally(f);
            });
        }
        return Uni.createFrom().completionStage(current).map(OAuth2Tokens.Token::value);
    }

    /** Forgets {@code rejected} (the server answered 401 to it), so the next call fetches a fresh token. */
    public void invalidate(ResolvedCredential c, String scope, String rejected) {
        String key = key(c, scope);
        CompletableFuture<OAuth2Tokens.Token> cur = cache.get(key);
        if (cur != null && cur.isDone() && !cur.isCompletedExceptionally() && cur.join().value().equals(rejected)) {
            cache.remove(key, cur);
        }
    }

    private static boolean fresh(CompletableFuture<OAuth2Tokens.Token> f) {
        return !f.isCompletedExceptionally() && Instant.now().isBefore(f.join().renewAfter());
    }

    /** The signed client assertion; {@code credential_error} when the key cannot be used (never naming it). */
    static String assertion(ResolvedCredential c) {
        String algorithm = c.value("algorithm");
        PrivateKey key = privateKey(c.value("privateKeyPem"), "ES384".equals(algorithm) ? "EC" : "RSA");
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

    private static PrivateKey privateKey(String pem, String algorithm) {
        try {
            String b64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                    .replaceAll("\\s", "");
            return KeyFactory.getInstance(algorithm)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (Exception e) {
            throw new StepFailure("credential_error", "the credential's private key cannot be read");
        }
    }

    private Uni<OAuth2Tokens.Token> fetch(ResolvedCredential c, String scope) {
        String body = "grant_type=client_credentials&scope=" + form(scope)
                + "&client_assertion_type=" + form(ASSERTION_TYPE)
                + "&client_assertion=" + form(assertion(c));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "MedHook/0.1");
        Instant asked = Instant.now();
        return egress.send("POST", c.value("tokenUrl"), headers, body.getBytes(StandardCharsets.UTF_8))
                .onFailure(EgressException.class).transform(e -> new StepFailure(((EgressException) e).type(),
                        "the token endpoint could not be reached: " + e.getMessage()))
                .map(resp -> {
                    if (resp.status() < 200 || resp.status() > 299) {
                        // the answer's body is not echoed: it may describe the client
                        throw new StepFailure("auth_error", "the token endpoint answered " + resp.status());
                    }
                    JsonNode t;
                    try {
                        t = json.readTree(resp.body());
                    } catch (Exception e) {
                        t = null;
                    }
                    if (t == null || !t.path("access_token").isTextual() || t.path("access_token").asText().isEmpty()) {
                        throw new StepFailure("auth_error", "the token endpoint answered without an access_token");
                    }
                    Duration lifetime = t.path("expires_in").canConvertToLong() && t.path("expires_in").asLong() > 0
                            ? Duration.ofSeconds(t.path("expires_in").asLong()) : OAuth2Tokens.DEFAULT_LIFETIME;
                    Duration early = lifetime.compareTo(OAuth2Tokens.SKEW.multipliedBy(2)) > 0 ? OAuth2Tokens.SKEW
                            : lifetime.dividedBy(2);
                    return new OAuth2Tokens.Token(t.path("access_token").asText(), asked.plus(lifetime).minus(early));
                });
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The credential id, a digest of its values and the scope: a changed credential is a new cache entry. */
    private static String key(ResolvedCredential c, String scope) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(c.values()).forEach((k, v) -> {
                d.update(k.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(v.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            });
            d.update(scope.getBytes(StandardCharsets.UTF_8));
            return c.id() + ":" + HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
