package io.medhook.common.security;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Verifies API keys by asking auth-service ({@code POST /api/v1/auth/api-keys/introspect}) with a service token for
 * {@code medhook-auth}. Answers, positive and negative, are cached for at most {@link #MAX_AGE}, keyed by the SHA-256
 * of the key (never the key), so a revoked key stops working within 5 seconds without a call per request. Failures to
 * reach auth-service are not cached and refuse the request.
 *
 * <p>Only used when a request presents an API key: a service without {@code medhook.security.client-id} (which cannot
 * obtain service tokens) starts normally and refuses API keys.
 */
@ApplicationScoped
@DefaultBean
public class HttpApiKeyVerifier implements ApiKeyVerifier {

    private static final Logger LOG = Logger.getLogger(HttpApiKeyVerifier.class);

    /** Longest reuse of an introspection answer (plus one round trip: stays within the 5-second revocation bound). */
    public static final Duration MAX_AGE = Duration.ofSeconds(4);
    /** Beyond this many entries the cache drops what it holds rather than grow. */
    static final int MAX_ENTRIES = 10_000;
    static final String PATH = "/api/v1/auth/api-keys/introspect";
    private static final Pattern SHAPE = Pattern.compile("mh_sk_(sbx|live)_[A-Za-z0-9_-]{20,200}");

    /** A cached answer; {@code principal} is null for a key auth-service called inactive. */
    record Entry(MedhookPrincipal principal, long storedAtNanos) {
    }

    private final SecurityConfig config;
    private final ServiceTokens tokens;
    private final WebClient client;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final Map<String, Uni<Entry>> inflight = new ConcurrentHashMap<>();

    public HttpApiKeyVerifier(SecurityConfig config, ServiceTokens tokens, Vertx vertx) {
        this.config = config;
        this.tokens = tokens;
        this.client = WebClient.create(vertx);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    @Override
    public Uni<MedhookPrincipal> verify(String apiKey) {
        if (apiKey == null || !SHAPE.matcher(apiKey).matches()) {
            return Uni.createFrom().failure(new InvalidTokenException("API key is malformed"));
        }
        if (config.clientId().isEmpty()) {
            return Uni.createFrom().failure(new InvalidTokenException("API keys are not accepted by this service"));
        }
        String fingerprint = fingerprint(apiKey);
        Entry cached = fresh(cache.get(fingerprint));
        Uni<Entry> answer = cached != null ? Uni.createFrom().item(cached)
                : inflight.computeIfAbsent(fingerprint, f -> introspect(f, apiKey));
        return answer.map(e -> {
            MedhookPrincipal p = e.principal;
            if (p == null || (p.expiresAt() != null && !p.expiresAt().isAfter(Instant.now()))) {
                throw new InvalidTokenException("API key is unknown, revoked or expired");
            }
            return p;
        });
    }

    private Entry fresh(Entry e) {
        return e != null && System.nanoTime() - e.storedAtNanos < MAX_AGE.toNanos() ? e : null;
    }

    private Uni<Entry> introspect(String fingerprint, String apiKey) {
        JsonObject body = new JsonObject().put("key", apiKey);
        return Uni.createFrom().deferred(() -> tokens.token(Claims.AUD_AUTH))
                .chain(token -> client.postAbs(config.authUrl() + PATH)
                        .putHeader("Authorization", "Bearer " + token)
                        .timeout(5_000)
                        .sendJsonObject(body))
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("introspection answered " + resp.statusCode());
                    }
                    Entry e = new Entry(parse(resp.bodyAsJsonObject()), System.nanoTime());
                    store(fingerprint, e);
                    return e;
                })
                .onFailure().transform(e -> {
                    LOG.warnf("could not introspect an API key at auth-service: %s", e instanceof IllegalStateException
                            ? e.getMessage() : e.getClass().getSimpleName());
                    return new InvalidTokenException("API key could not be verified");
                })
                .onTermination().invoke(() -> inflight.remove(fingerprint))
                .memoize().indefinitely();
    }

    private void store(String fingerprint, Entry e) {
        if (cache.size() >= MAX_ENTRIES) {
            long now = System.nanoTime();
            cache.values().removeIf(x -> now - x.storedAtNanos >= MAX_AGE.toNanos());
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
        }
        cache.put(fingerprint, e);
    }

    /** The principal of an active answer, or null for {@code {"active":false}}. */
    static MedhookPrincipal parse(JsonObject answer) {
        if (answer == null || !answer.getBoolean("active", false)) {
            return null;
        }
        JsonObject p = answer.getJsonObject("principal");
        if (p == null || !MedhookPrincipal.Kind.API_KEY.claim().equals(p.getString("kind"))) {
            throw new IllegalStateException("introspection answer is malformed");
        }
        Map<String, String> ws = new LinkedHashMap<>();
        JsonObject rawWs = p.getJsonObject("workspaces", new JsonObject());
        for (String id : rawWs.fieldNames()) {
            ws.put(id, String.valueOf(rawWs.getValue(id)));
        }
        String exp = p.getString("expiresAt");
        String subject = p.getString("subject");
        return new MedhookPrincipal(subject, MedhookPrincipal.Kind.API_KEY, p.getString("name", subject), null,
                Set.of(), Map.copyOf(ws), subject, exp == null ? null : Instant.parse(exp));
    }

    /** Hex SHA-256 of the key: the only form in which a key is kept. */
    static String fingerprint(String apiKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(apiKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
