package io.medhook.bench.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.security.ApiKeyVerifier;
import io.medhook.common.security.Claims;
import io.medhook.common.security.HttpJwksSource;
import io.medhook.common.security.HttpRevocationFeed;
import io.medhook.common.security.JwtVerifier;
import io.medhook.common.security.MedhookIdentityProvider;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.MedhookTokenRequest;
import io.medhook.common.security.SecurityConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.util.TypeLiteral;
import java.lang.annotation.Annotation;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * A protected service's token verification, assembled from the real classes of medhook-common outside Quarkus: the
 * {@link JwtVerifier} over the real {@link HttpJwksSource} (auth-service's JWKS fetched once over HTTP, then cached),
 * the {@link MedhookIdentityProvider} with the real {@link HttpRevocationFeed} set (empty), and a real token issued by
 * the running auth-service: a client-credentials service token or the bootstrap admin's user token.
 */
final class VerificationFixture implements AutoCloseable {

    private final String authUrl;
    private final SecurityConfig config;
    private final Vertx vertx;
    private final JwtVerifier verifier;
    private final MedhookIdentityProvider provider;
    private final String jwt;
    private final PublicKey key;
    private final JwtConsumer cachedConsumer;
    private final String kind;

    VerificationFixture(String authUrl, String secretFile, String adminPasswordFile, String kind) throws Exception {
        if (authUrl == null || authUrl.isBlank()) {
            throw new IllegalStateException("needs the URL of a running auth-service and its secrets (see run.sh)");
        }
        this.authUrl = authUrl;
        this.kind = kind;
        config = config(authUrl);
        vertx = Vertx.vertx();
        HttpJwksSource jwks = new HttpJwksSource(config, vertx);
        verifier = new JwtVerifier(config, jwks);
        HttpRevocationFeed revocations = new HttpRevocationFeed(config, aud -> Uni.createFrom().nullItem(), vertx);
        provider = new MedhookIdentityProvider(verifier, new NoApiKeys(), revocations);
        jwt = "user".equals(kind) ? userToken(adminPasswordFile) : serviceToken(secretFile);
        verifier.verify(jwt).await().atMost(Duration.ofSeconds(10));
        String kid = (String) new ObjectMapper().readValue(
                Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))), Map.class).get("kid");
        key = jwks.key(kid).await().atMost(Duration.ofSeconds(10));
        cachedConsumer = consumer(key);
    }

    String describe() {
        MedhookPrincipal p = verify();
        return kind + " token of " + jwt.length() + " characters for " + p.subject() + " (" + p.kind() + ")";
    }

    MedhookPrincipal verify() {
        return verifier.verify(jwt).await().indefinitely();
    }

    SecurityIdentity authenticate() {
        return provider.authenticate(new MedhookTokenRequest(jwt), null).await().indefinitely();
    }

    JwtClaims jose4jCachedConsumer() throws Exception {
        return cachedConsumer.processToClaims(jwt);
    }

    JwtClaims jose4jConsumerPerCall() throws Exception {
        return consumer(key).processToClaims(jwt);
    }

    @Override
    public void close() {
        vertx.closeAndAwait();
    }

    /** The same settings as JwtVerifier's consumer. */
    private JwtConsumer consumer(PublicKey k) {
        return new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, JwtVerifier.ALGORITHM)
                .setVerificationKey(k)
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

    private String serviceToken(String secretFile) throws Exception {
        String secret = Files.readString(Path.of(secretFile)).strip();
        String basic = Base64.getEncoder().encodeToString(("workflow-service:" + URLEncoder.encode(secret,
                StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        return accessToken(HttpRequest.newBuilder(URI.create(authUrl + "/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&audience=" + Claims.AUD_SANDBOX))
                .build());
    }

    private String userToken(String adminPasswordFile) throws Exception {
        String password = Files.readString(Path.of(adminPasswordFile)).strip();
        String body = new ObjectMapper().writeValueAsString(Map.of("username", "admin", "password", password));
        return accessToken(HttpRequest.newBuilder(URI.create(authUrl + "/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private static String accessToken(HttpRequest request) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(request.uri().getPath() + " answered " + r.statusCode());
            }
            return (String) new ObjectMapper().readValue(r.body(), Map.class).get("access_token");
        }
    }

    /** A protected service that accepts user tokens and service tokens for the sandbox; JWKS kept for an hour. */
    private static SecurityConfig config(String authUrl) {
        return (SecurityConfig) java.lang.reflect.Proxy.newProxyInstance(SecurityConfig.class.getClassLoader(),
                new Class<?>[] { SecurityConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "issuer" -> "urn:medhook:auth";
                    case "audiences" -> List.of(Claims.AUD_API, Claims.AUD_SANDBOX);
                    case "authUrl" -> authUrl;
                    case "jwksRefresh" -> Duration.ofHours(1);
                    case "jwksMinRefetch" -> Duration.ofSeconds(5);
                    case "clockSkew" -> Duration.ofSeconds(30);
                    case "revocationPoll" -> Duration.ofSeconds(2);
                    case "clientId" -> Optional.of("workflow-service");
                    case "toString" -> "benchmark SecurityConfig";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** This protected service takes no API keys (an unresolvable CDI Instance, as when no bean exists). */
    private static final class NoApiKeys implements Instance<ApiKeyVerifier> {
        @Override
        public Instance<ApiKeyVerifier> select(Annotation... qualifiers) {
            return this;
        }

        @Override
        public <U extends ApiKeyVerifier> Instance<U> select(Class<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends ApiKeyVerifier> Instance<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isUnsatisfied() {
            return true;
        }

        @Override
        public boolean isAmbiguous() {
            return false;
        }

        @Override
        public void destroy(ApiKeyVerifier instance) {
        }

        @Override
        public Handle<ApiKeyVerifier> getHandle() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Iterable<? extends Handle<ApiKeyVerifier>> handles() {
            return List.of();
        }

        @Override
        public ApiKeyVerifier get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Iterator<ApiKeyVerifier> iterator() {
            return java.util.Collections.emptyIterator();
        }
    }
}
