package io.medhook.auth.oidc;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.lang.JoseException;

/**
 * Outbound calls to OpenID providers: discovery, JWKS and the token endpoint. Discovery documents and key sets are
 * cached per issuer and fetched lazily, so an unreachable provider never blocks start-up; an unknown key id triggers
 * one JWKS refetch at most every {@link #MIN_JWKS_REFETCH}.
 */
@ApplicationScoped
public class OidcProviderClient {

    private static final Logger LOG = Logger.getLogger(OidcProviderClient.class);
    private static final Duration METADATA_TTL = Duration.ofHours(1);
    private static final Duration JWKS_TTL = Duration.ofMinutes(10);
    static final Duration MIN_JWKS_REFETCH = Duration.ofSeconds(10);
    private static final int MAX_BODY = 256 * 1024;

    private record Cached<T>(T value, long fetchedAtNanos) {
        boolean freshFor(Duration ttl) {
            return System.nanoTime() - fetchedAtNanos < ttl.toNanos();
        }
    }

    /** The answer of a successful code exchange. */
    public record TokenResponse(String idToken) {
    }

    private final WebClient client;
    private final OidcConfig config;
    private final Map<String, Cached<ProviderMetadata>> metadata = new ConcurrentHashMap<>();
    private final Map<String, Cached<List<JsonWebKey>>> jwks = new ConcurrentHashMap<>();

    public OidcProviderClient(Vertx vertx, OidcConfig config) {
        this.client = WebClient.create(vertx);
        this.config = config;
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** The provider's discovery document; its {@code issuer} must equal the configured issuer (OIDC Discovery §4.3). */
    public Uni<ProviderMetadata> metadata(String issuer) {
        Cached<ProviderMetadata> c = metadata.get(issuer);
        if (c != null && c.freshFor(METADATA_TTL)) {
            return Uni.createFrom().item(c.value());
        }
        String url = stripSlash(issuer) + "/.well-known/openid-configuration";
        return getJson(url).map(json -> {
            ProviderMetadata m = new ProviderMetadata(json.getString("issuer"),
                    json.getString("authorization_endpoint"), json.getString("token_endpoint"),
                    json.getString("jwks_uri"), strings(json.getJsonArray("token_endpoint_auth_methods_supported")),
                    strings(json.getJsonArray("code_challenge_methods_supported")));
            if (!issuer.equals(m.issuer()) || m.authorizationEndpoint() == null || m.tokenEndpoint() == null
                    || m.jwksUri() == null) {
                LOG.warnf("discovery document of %s is incomplete or names another issuer", issuer);
                throw unavailable();
            }
            metadata.put(issuer, new Cached<>(m, System.nanoTime()));
            return m;
        });
    }

    /** The provider's signing keys; {@code refresh} asks for a refetch (rate-limited) when a key id is unknown. */
    public Uni<List<JsonWebKey>> keys(ProviderMetadata m, boolean refresh) {
        Cached<List<JsonWebKey>> c = jwks.get(m.jwksUri());
        boolean mayRefetch = c == null || !c.freshFor(MIN_JWKS_REFETCH);
        if (c != null && (c.freshFor(JWKS_TTL) && !refresh || !mayRefetch)) {
            return Uni.createFrom().item(c.value());
        }
        return getJson(m.jwksUri()).map(json -> {
            try {
                List<JsonWebKey> keys = new JsonWebKeySet(json.encode()).getJsonWebKeys();
                jwks.put(m.jwksUri(), new Cached<>(keys, System.nanoTime()));
                return keys;
            } catch (JoseException e) {
                LOG.warnf("JWKS of %s is not a key set", m.issuer());
                throw unavailable();
            }
        });
    }

    /**
     * Exchanges an authorization code (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636 §4.5). A refused code
     * (used, expired, unknown, wrong verifier) is a 401; an unreachable or broken provider a 502.
     */
    public Uni<TokenResponse> exchange(ProviderMetadata m, String clientId, String clientSecret, String code,
            String redirectUri, String verifier) {
        MultiMap form = MultiMap.caseInsensitiveMultiMap()
                .add("grant_type", "authorization_code")
                .add("code", code)
                .add("redirect_uri", redirectUri)
                .add("code_verifier", verifier);
        var request = client.postAbs(m.tokenEndpoint()).timeout(config.providerTimeout().toMillis())
                .putHeader("Accept", "application/json");
        if (m.prefersBasicAuth()) {
            String basic = urlEncode(clientId) + ":" + urlEncode(clientSecret);
            request.putHeader("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
            form.add("client_id", clientId);
        } else {
            form.add("client_id", clientId).add("client_secret", clientSecret);
        }
        return request.sendForm(form)
                .onFailure().transform(e -> {
                    LOG.warnf("token endpoint of %s unreachable: %s", m.issuer(), e.getClass().getSimpleName());
                    return unavailable();
                })
                .map(r -> {
                    JsonObject body = json(r);
                    if (r.statusCode() == 400 || r.statusCode() == 401) {
                        // invalid_grant and friends: the code is not (or no longer) good
                        LOG.debugf("token endpoint of %s refused the code: %s", m.issuer(),
                                body == null ? r.statusCode() : body.getString("error"));
                        throw new MedhookException(ErrorKind.UNAUTHORIZED, "The identity provider refused the login");
                    }
                    if (r.statusCode() != 200 || body == null || body.getString("id_token") == null) {
                        LOG.warnf("token endpoint of %s answered %d without an ID token", m.issuer(), r.statusCode());
                        throw unavailable();
                    }
                    return new TokenResponse(body.getString("id_token"));
                });
    }

    private Uni<JsonObject> getJson(String url) {
        return client.getAbs(url).timeout(config.providerTimeout().toMillis()).putHeader("Accept", "application/json")
                .send()
                .onFailure().transform(e -> {
                    LOG.warnf("OpenID provider unreachable at %s: %s", url, e.getClass().getSimpleName());
                    return unavailable();
                })
                .map(r -> {
                    JsonObject body = r.statusCode() == 200 ? json(r) : null;
                    if (body == null) {
                        LOG.warnf("OpenID provider answered %d at %s", r.statusCode(), url);
                        throw unavailable();
                    }
                    return body;
                });
    }

    private static JsonObject json(HttpResponse<?> r) {
        var b = r.bodyAsBuffer();
        if (b == null || b.length() > MAX_BODY) {
            return null;
        }
        try {
            return new JsonObject(b.toString(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (Object o : a) {
                if (o instanceof String s) {
                    out.add(s);
                }
            }
        }
        return List.copyOf(out);
    }

    static MedhookException unavailable() {
        return new MedhookException(ErrorKind.BAD_GATEWAY, "The identity provider is not available");
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
