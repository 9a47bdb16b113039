package io.medhook.common.security;

import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Keeps the set of revoked sessions by polling auth-service's revocation feed every
 * {@code medhook.security.revocation-poll} (2 s) with this service's client-credentials token, so tokens of a revoked
 * session are refused within seconds without a call to auth-service per request. When auth-service cannot be reached
 * the last known set stays in force (JWT verification itself never needs auth-service) and a warning is logged.
 * Services without a client id (sandbox-service accepts service tokens only) do not poll.
 */
@ApplicationScoped
@DefaultBean
public class HttpRevocationFeed implements RevocationCheck {

    private static final Logger LOG = Logger.getLogger(HttpRevocationFeed.class);

    private final SecurityConfig config;
    private final ServiceTokens tokens;
    private final Vertx vertx;
    private final Map<String, Long> revoked = new ConcurrentHashMap<>();
    private WebClient client;
    private long timer = -1;
    private volatile boolean failing;

    public HttpRevocationFeed(SecurityConfig config, ServiceTokens tokens, Vertx vertx) {
        this.config = config;
        this.tokens = tokens;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        if (config.clientId().isEmpty() || !config.audiences().contains(Claims.AUD_API)) {
            return;
        }
        client = WebClient.create(vertx);
        poll();
        timer = vertx.setPeriodic(config.revocationPoll().toMillis(), id -> poll());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (client != null) {
            client.close();
        }
    }

    @Override
    public boolean isSessionRevoked(String sessionId) {
        return sessionId != null && revoked.containsKey(sessionId);
    }

    void poll() {
        tokens.token(Claims.AUD_AUTH)
                .chain(t -> client.getAbs(config.authUrl() + "/api/v1/auth/revocations?after=0")
                        .putHeader("Authorization", "Bearer " + t)
                        .timeout(5_000)
                        .send())
                .subscribe().with(resp -> {
                    if (resp.statusCode() != 200) {
                        warn("revocation feed answered " + resp.statusCode());
                        return;
                    }
                    JsonArray items = resp.bodyAsJsonObject().getJsonArray("items", new JsonArray());
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < items.size(); i++) {
                        JsonObject o = items.getJsonObject(i);
                        revoked.put(o.getString("sessionId"), OffsetDateTime.parse(o.getString("expiresAt"))
                                .toInstant().toEpochMilli());
                    }
                    revoked.values().removeIf(exp -> exp < now);
                    if (failing) {
                        LOG.info("revocation feed reachable again");
                        failing = false;
                    }
                }, f -> warn("revocation feed unreachable: " + f.getClass().getSimpleName()));
    }

    private void warn(String message) {
        if (!failing) {
            LOG.warn(message + "; keeping the last known revocations");
            failing = true;
        }
    }
}
