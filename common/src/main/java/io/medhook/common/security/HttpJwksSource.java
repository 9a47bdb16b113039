package io.medhook.common.security;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;

/**
 * Fetches auth-service's JWKS over HTTP and caches it. Known keys are served from memory; an unknown key id triggers
 * one refetch at most every {@code jwks-min-refetch}, so forged key ids cannot make us hammer auth-service.
 */
@ApplicationScoped
@DefaultBean
public class HttpJwksSource implements JwksSource {

    private static final Logger LOG = Logger.getLogger(HttpJwksSource.class);

    private record Snapshot(Map<String, PublicKey> keys, long fetchedAtNanos) {
    }

    private final SecurityConfig config;
    private final WebClient client;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(new Snapshot(Map.of(), 0));
    private volatile long lastFetchAttemptNanos;
    private volatile Uni<Snapshot> inflight;

    public HttpJwksSource(SecurityConfig config, Vertx vertx) {
        this.config = config;
        this.client = WebClient.create(vertx);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    @Override
    public Uni<PublicKey> key(String kid) {
        Snapshot s = snapshot.get();
        long now = System.nanoTime();
        boolean fresh = s.fetchedAtNanos != 0 && now - s.fetchedAtNanos < config.jwksRefresh().toNanos();
        PublicKey known = s.keys.get(kid);
        if (known != null && fresh) {
            return Uni.createFrom().item(known);
        }
        Uni<Snapshot> pending = inflight;
        if (pending == null) {
            boolean mayRefetch = now - lastFetchAttemptNanos >= config.jwksMinRefetch().toNanos();
            if (!mayRefetch) {
                return known != null ? Uni.createFrom().item(known) : unknown();
            }
            pending = fetch();
        }
        // callers arriving while a fetch is under way wait for it instead of being refused
        return pending.onFailure().recoverWithItem(snapshot::get).onItem().transformToUni(fetched -> {
            PublicKey k = fetched.keys.get(kid);
            return k != null ? Uni.createFrom().item(k) : unknown();
        });
    }

    private static Uni<PublicKey> unknown() {
        return Uni.createFrom().failure(new InvalidTokenException("token signed with an unknown key"));
    }

    private synchronized Uni<Snapshot> fetch() {
        Uni<Snapshot> current = inflight;
        if (current != null) {
            return current;
        }
        lastFetchAttemptNanos = System.nanoTime();
        Uni<Snapshot> u = client.getAbs(config.authUrl() + "/.well-known/jwks.json")
                .timeout(Duration.ofSeconds(5).toMillis())
                .send()
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("JWKS answered " + resp.statusCode());
                    }
                    Snapshot s = new Snapshot(parse(resp.bodyAsString()), System.nanoTime());
                    snapshot.set(s);
                    return s;
                })
                .onFailure().invoke(e -> LOG.warnf("could not fetch JWKS from auth-service: %s",
                        e.getClass().getSimpleName()))
                .onTermination().invoke(() -> inflight = null)
                .memoize().indefinitely();
        inflight = u;
        return u;
    }

    static Map<String, PublicKey> parse(String json) {
        try {
            Map<String, PublicKey> keys = new HashMap<>();
            for (JsonWebKey jwk : new JsonWebKeySet(json).getJsonWebKeys()) {
                if (jwk.getKeyId() != null && jwk instanceof PublicJsonWebKey pub && "sig".equals(useOrSig(jwk))) {
                    keys.put(jwk.getKeyId(), pub.getPublicKey());
                }
            }
            return Map.copyOf(keys);
        } catch (Exception e) {
            throw new IllegalStateException("JWKS is malformed", e);
        }
    }

    private static String useOrSig(JsonWebKey jwk) {
        return jwk.getUse() == null ? "sig" : jwk.getUse();
    }
}
