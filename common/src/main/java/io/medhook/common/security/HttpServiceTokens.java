package io.medhook.common.security;

import io.medhook.common.secrets.SecretStore;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OAuth 2.0 client-credentials grant against auth-service ({@code POST /oauth2/token}, HTTP Basic client
 * authentication). The client secret comes from the secrets interface under {@code service-clients/<client-id>}.
 */
@ApplicationScoped
@DefaultBean
public class HttpServiceTokens implements ServiceTokens {

    /** Renew a cached token when less than this much life is left. */
    private static final long RENEW_BEFORE_SECONDS = 60;

    private record Cached(String token, long expiresAtEpochSecond) {
    }

    private final SecurityConfig config;
    private final SecretStore secrets;
    private final WebClient client;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, Uni<Cached>> inflight = new ConcurrentHashMap<>();

    public HttpServiceTokens(SecurityConfig config, SecretStore secrets, Vertx vertx) {
        this.config = config;
        this.secrets = secrets;
        this.client = WebClient.create(vertx);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /**
     * The client secret, read from the secrets interface for each token request (a few per token lifetime) on a worker
     * thread, since a Vault-backed store blocks; a secret rotated in Vault is used from the next request on. A failure
     * (Vault away) fails this token request only.
     */
    private Uni<String> clientSecret(String clientId) {
        return Uni.createFrom().item(() -> secrets.getOrCreate(secretName(clientId), HttpServiceTokens::newSecret))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Secret name under which a service client's secret is kept. */
    public static String secretName(String clientId) {
        return "service-clients/" + clientId;
    }

    /** Generates a client secret: 32 random bytes, base64url. */
    public static String newSecret() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public Uni<String> token(String audience) {
        Cached c = cache.get(audience);
        long now = System.currentTimeMillis() / 1000;
        if (c != null && c.expiresAtEpochSecond - now > RENEW_BEFORE_SECONDS) {
            return Uni.createFrom().item(c.token);
        }
        return inflight.computeIfAbsent(audience, this::fetch).map(Cached::token);
    }

    private Uni<Cached> fetch(String audience) {
        String clientId = config.clientId()
                .orElseThrow(() -> new IllegalStateException("medhook.security.client-id is not configured"));
        MultiMap form = MultiMap.caseInsensitiveMultiMap()
                .add("grant_type", "client_credentials")
                .add("audience", audience);
        return clientSecret(clientId).chain(secret -> client.postAbs(config.authUrl() + "/oauth2/token")
                .putHeader("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((clientId + ":" + secret).getBytes()))
                .timeout(10_000)
                .sendForm(form))
                .map(resp -> {
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("token endpoint answered " + resp.statusCode());
                    }
                    JsonObject body = resp.bodyAsJsonObject();
                    long exp = System.currentTimeMillis() / 1000 + body.getLong("expires_in", 300L);
                    Cached c = new Cached(body.getString("access_token"), exp);
                    cache.put(audience, c);
                    return c;
                })
                .onTermination().invoke(() -> inflight.remove(audience))
                .memoize().indefinitely();
    }
}
