package io.medhook.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the verifier against a test double of auth-service's introspection endpoint: a real HTTP server on a random
 * port that speaks the same JSON.
 */
class HttpApiKeyVerifierTest {

    private static final String KEY = "mh_sk_sbx_" + "A".repeat(54);
    private static final String WS = "0190f0c8-0000-7000-8000-000000000001";

    private Vertx vertx;
    private HttpServer introspectionDouble;
    private final AtomicInteger hits = new AtomicInteger();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final AtomicReference<JsonObject> answer = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        introspectionDouble = vertx.getDelegate().createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            hits.incrementAndGet();
            seen.add(req.method() + " " + req.path() + " " + req.getHeader("Authorization") + " " + b.toString());
            req.response().setStatusCode(status.get()).putHeader("Content-Type", "application/json")
                    .end(answer.get() == null ? "{}" : answer.get().encode());
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        vertx.closeAndAwait();
    }

    private HttpApiKeyVerifier verifier(Optional<String> clientId) {
        ServiceTokens tokens = audience -> Uni.createFrom().item("service-token-for-" + audience);
        return new HttpApiKeyVerifier(config("http://127.0.0.1:" + introspectionDouble.actualPort(), clientId),
                tokens, vertx);
    }

    private static JsonObject active(Instant expiresAt) {
        JsonObject p = new JsonObject().put("subject", "key-1").put("kind", "api-key").put("name", "ci")
                .put("workspaces", new JsonObject().put(WS, "editor"))
                .put("expiresAt", expiresAt == null ? null : expiresAt.toString());
        return new JsonObject().put("active", true).put("principal", p);
    }

    @Test
    void asksAuthServiceWithAServiceTokenForMedhookAuthAndCachesTheAnswer() {
        answer.set(active(null));
        HttpApiKeyVerifier v = verifier(Optional.of("workflow-service"));
        MedhookPrincipal p = v.verify(KEY).await().atMost(Duration.ofSeconds(10));
        assertEquals("key-1", p.subject());
        assertEquals(MedhookPrincipal.Kind.API_KEY, p.kind());
        assertEquals(Map.of(WS, "editor"), p.workspaces());
        assertTrue(p.roles().isEmpty());
        assertNull(p.expiresAt());
        v.verify(KEY).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, hits.get(), "the second verification is served from the cache");
        assertEquals("POST /api/v1/auth/api-keys/introspect Bearer service-token-for-medhook-auth {\"key\":\"" + KEY
                + "\"}", seen.get(0));
    }

    @Test
    void cachesInactiveAnswersToo() {
        answer.set(new JsonObject().put("active", false));
        HttpApiKeyVerifier v = verifier(Optional.of("workflow-service"));
        for (int i = 0; i < 2; i++) {
            Throwable t = assertThrows(RuntimeException.class, () -> v.verify(KEY).await().atMost(Duration.ofSeconds(10)));
            assertInstanceOf(InvalidTokenException.class, t);
        }
        assertEquals(1, hits.get());
    }

    @Test
    void refusesAKeyWhoseExpiryHasPassedWhileCached() {
        answer.set(active(Instant.now().minusSeconds(1)));
        HttpApiKeyVerifier v = verifier(Optional.of("workflow-service"));
        assertThrows(InvalidTokenException.class, () -> v.verify(KEY).await().atMost(Duration.ofSeconds(10)));
    }

    @Test
    void doesNotCacheFailuresToReachAuthService() {
        status.set(503);
        HttpApiKeyVerifier v = verifier(Optional.of("workflow-service"));
        assertThrows(InvalidTokenException.class, () -> v.verify(KEY).await().atMost(Duration.ofSeconds(10)));
        status.set(200);
        answer.set(active(Instant.now().plusSeconds(3600)));
        assertEquals("key-1", v.verify(KEY).await().atMost(Duration.ofSeconds(10)).subject());
        assertEquals(2, hits.get());
    }

    @Test
    void malformedKeysNeverLeaveTheService() {
        HttpApiKeyVerifier v = verifier(Optional.of("workflow-service"));
        for (String bad : List.of("mh_sk_", "mh_sk_test_" + "A".repeat(54), "mh_sk_sbx_short", "mh_sk_sbx_" + "A".repeat(53) + "!")) {
            assertThrows(InvalidTokenException.class, () -> v.verify(bad).await().atMost(Duration.ofSeconds(10)));
        }
        assertEquals(0, hits.get());
    }

    @Test
    void aServiceWithoutClientIdStartsAndRefusesApiKeysWithoutCalling() {
        HttpApiKeyVerifier v = verifier(Optional.empty());
        assertThrows(InvalidTokenException.class, () -> v.verify(KEY).await().atMost(Duration.ofSeconds(10)));
        assertEquals(0, hits.get());
    }

    @Test
    void cacheIsKeyedByTheHashNeverTheKey() {
        String f = HttpApiKeyVerifier.fingerprint(KEY);
        assertEquals(64, f.length());
        assertFalse(f.contains("AAAA"));
    }

    /** Only the two settings the verifier reads; a proxy, so new keys in SecurityConfig do not break this test. */
    private static SecurityConfig config(String authUrl, Optional<String> clientId) {
        return (SecurityConfig) java.lang.reflect.Proxy.newProxyInstance(SecurityConfig.class.getClassLoader(),
                new Class<?>[] { SecurityConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "authUrl" -> authUrl;
                    case "clientId" -> clientId;
                    case "toString" -> "test SecurityConfig";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
