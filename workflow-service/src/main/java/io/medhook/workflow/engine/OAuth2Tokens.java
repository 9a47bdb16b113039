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
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Access tokens of {@code oauth2_client_credentials} credentials (RFC 6749 §4.4), fetched through the egress client
 * with {@code client_secret_basic} and cached per credential until shortly before they expire. The cache key includes
 * a digest of the credential's values, so an updated credential fetches a new token. Concurrent steps share one fetch.
 * Tokens live in memory only; nothing here is logged or stored. The cache ({@link Cache}) and the token request
 * ({@link #exchange}) also serve {@link SmartBackendTokens}.
 */
@ApplicationScoped
public class OAuth2Tokens {

    /** Tokens are renewed this long before they expire. */
    static final Duration SKEW = Duration.ofSeconds(30);
    /** When the token endpoint does not say ({@code expires_in} missing). */
    static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    record Token(String value, Instant renewAfter) {
        @Override
        public String toString() {
            return "Token[renewAfter=" + renewAfter + "]";
        }
    }

    /** Tokens by key: a fresh one is reused, concurrent callers share one fetch, a failed fetch is not kept. */
    static final class Cache {

        private final Map<String, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

        Uni<String> get(String key, Supplier<Uni<Token>> fetch) {
            CompletableFuture<Token> mine = new CompletableFuture<>();
            CompletableFuture<Token> current = tokens.compute(key, (k, old) -> {
                if (old != null && (!old.isDone() || fresh(old))) {
                    return old;
                }
                return mine;
            });
            if (current == mine) {
                Uni.createFrom().deferred(fetch::get).subscribe().with(mine::complete, f -> {
                    tokens.remove(key, mine);
                    mine.completeExceptionally(f);
                });
            }
            return Uni.createFrom().completionStage(current).map(Token::value);
        }

        /** Forgets {@code rejected} (a server answered 401 to it), so the next call fetches a fresh token. */
        void invalidate(String key, String rejected) {
            CompletableFuture<Token> cur = tokens.get(key);
            if (cur != null && cur.isDone() && !cur.isCompletedExceptionally() && cur.join().value().equals(rejected)) {
                tokens.remove(key, cur);
            }
        }

        private static boolean fresh(CompletableFuture<Token> f) {
            return !f.isCompletedExceptionally() && Instant.now().isBefore(f.join().renewAfter());
        }
    }

    private final EgressClient egress;
    private final ObjectMapper json;
    private final Cache cache = new Cache();

    public OAuth2Tokens(EgressClient egress, ObjectMapper json) {
        this.egress = egress;
        this.json = json;
    }

    /** A cached token when one is still fresh, otherwise a new one from the token endpoint. */
    public Uni<String> token(ResolvedCredential c) {
        return cache.get(key(c, ""), () -> fetch(c));
    }

    /** Forgets {@code rejected} (the destination answered 401 to it), so the next call fetches a fresh token. */
    public void invalidate(ResolvedCredential c, String rejected) {
        cache.invalidate(key(c, ""), rejected);
    }

    private Uni<Token> fetch(ResolvedCredential c) {
        String basic = Base64.getEncoder().encodeToString((form(c.value("clientId")) + ":"
                + form(c.value("clientSecret"))).getBytes(StandardCharsets.UTF_8));
        StringBuilder body = new StringBuilder("grant_type=client_credentials");
        if (c.value("scope") != null) {
            body.append("&scope=").append(form(c.value("scope")));
        }
        if (c.value("audience") != null) {
            body.append("&audience=").append(form(c.value("audience")));
        }
        return exchange(c.value("tokenUrl"), Map.of("Authorization", "Basic " + basic), body.toString());
    }

    /**
     * Posts a form to a token endpoint through the egress client and reads {@code access_token} and
     * {@code expires_in}. Failures are {@code auth_error} (or the egress error type) and never echo the answer's body.
     */
    Uni<Token> exchange(String tokenUrl, Map<String, String> extraHeaders, String formBody) {
        Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "MedHook/0.1");
        Instant asked = Instant.now();
        return egress.send("POST", tokenUrl, headers, formBody.getBytes(StandardCharsets.UTF_8))
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
                            ? Duration.ofSeconds(t.path("expires_in").asLong()) : DEFAULT_LIFETIME;
                    Duration early = lifetime.compareTo(SKEW.multipliedBy(2)) > 0 ? SKEW : lifetime.dividedBy(2);
                    return new Token(t.path("access_token").asText(), asked.plus(lifetime).minus(early));
                });
    }

    static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * The credential id and a digest of its values and {@code extra} (a scope, say): a changed credential is a new
     * cache entry.
     */
    static String key(ResolvedCredential c, String extra) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(c.values()).forEach((k, v) -> {
                d.update(k.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(v.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            });
            d.update(extra.getBytes(StandardCharsets.UTF_8));
            return c.id() + ":" + HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
