package io.medhook.workflow.egress;

import io.medhook.workflow.WorkflowConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one way workflows reach the network. http/https only; the host is resolved once, every resolved address is
 * checked by {@link EgressPolicy}, and the connection goes to the checked address (Host header and TLS SNI keep the
 * name), so DNS rebinding cannot slip a different address in; each redirect is checked the same way; response size
 * and time are bounded. Which destinations are refused before any connection, and why, is listed in the
 * service README ("Egress"); {@code EgressAbuseCorpusTest} sends the abuse corpus through this class.
 */
@ApplicationScoped
public class EgressClient {

    /** Name resolution; a seam so tests can play DNS rebinding. The default is {@link InetAddress#getAllByName}. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private static final Set<String> DROPPED_HEADERS = Set.of("host", "content-length", "connection",
            "transfer-encoding", "upgrade", "proxy-connection", "keep-alive", "te", "trailer");
    /** Not carried to another origin by a redirect. */
    private static final Set<String> ORIGIN_BOUND_HEADERS = Set.of("authorization", "proxy-authorization", "cookie");

    private final Vertx vertx;
    private final HttpClient client;
    private final Supplier<EgressPolicy> policy;
    private final Resolver resolver;
    private final WorkflowConfig.Egress config;

    @Inject
    public EgressClient(Vertx vertx, WorkflowConfig config, EgressAllowList allowList) {
        this(vertx, config.egress(), allowList::policy, InetAddress::getAllByName);
    }

    EgressClient(Vertx vertx, WorkflowConfig.Egress config, Supplier<EgressPolicy> policy, Resolver resolver) {
        this.vertx = vertx;
        this.config = config;
        this.policy = policy;
        this.resolver = resolver;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setForceSni(true)
                .setVerifyHost(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, this.config.timeout().toMillis()))
                .setMaxPoolSize(64)
                .setKeepAlive(true));
    }

    @PreDestroy
    void close() {
        client.closeAndAwait();
    }

    /**
     * Checks a URL's shape as a request through this client would (scheme, host, port, no user info) without
     * resolving it; the address checks happen on every request. Throws {@link EgressException} naming the problem.
     */
    public static void checkUrl(String url) {
        EgressTarget.parse(url);
    }

    /** The policy in force now (environment and stored allow-list merged). */
    public EgressPolicy policy() {
        return policy.get();
    }

    public Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body) {
        return send(method, url, headers, body, Set.of());
    }

    /**
     * Like {@link #send(String, String, Map, byte[])}; {@code originBound} names further headers (a credential's API
     * key header, say) that, like {@code Authorization} and {@code Cookie}, are not sent on to another origin when the
     * destination redirects there.
     */
    public Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body,
            Set<String> originBound) {
        return send(method, url, headers, body, originBound, true);
    }

    /**
     * Like {@link #send(String, String, Map, byte[], Set)}; with {@code followRedirects} false a redirect is returned
     * as the response it is (webhook deliveries: a signed body goes to the URL the endpoint names, nowhere else).
     */
    public Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body,
            Set<String> originBound, boolean followRedirects) {
        Set<String> bound = new java.util.HashSet<>(ORIGIN_BOUND_HEADERS);
        originBound.forEach(h -> bound.add(h.toLowerCase(Locale.ROOT)));
        EgressTarget target;
        try {
            target = EgressTarget.parse(url);
        } catch (EgressException e) {
            return Uni.createFrom().failure(e);
        }
        return send(method, target, headers, body, Set.copyOf(bound), followRedirects ? 0 : -1)
                .ifNoItem().after(config.timeout())
                .failWith(() -> new EgressException("timeout", "the request did not complete in time"));
    }

    private Uni<EgressResponse> send(String method, EgressTarget target, Map<String, String> headers, byte[] body,
            Set<String> originBound, int redirects) {
        return resolve(target.host()).chain(address -> {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(method))
                    .setHost(target.host())
                    .setPort(target.port())
                    .setSsl(target.tls())
                    .setURI(target.pathAndQuery())
                    .setServer(SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()))
                    .setFollowRedirects(false);
            headers.forEach((k, v) -> {
                if (!DROPPED_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                    options.putHeader(k, v);
                }
            });
            return client.request(options)
                    .chain(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                    .onFailure(f -> !(f instanceof EgressException))
                    .transform(f -> new EgressException("connection_error", "could not connect to the destination"))
                    .chain(resp -> {
                        String location = resp.getHeader("Location");
                        // redirects < 0: not followed at all
                        if (redirects >= 0 && isRedirect(resp.statusCode()) && location != null) {
                            return discard(resp).chain(() -> {
                                if (redirects >= config.maxRedirects()) {
                                    return Uni.createFrom().failure(new EgressException(EgressException.BLOCKED,
                                            "too many redirects (at most " + config.maxRedirects() + ")"));
                                }
                                EgressTarget next;
                                try {
                                    next = EgressTarget.parse(target.uri().resolve(new URI(location)).toString());
                                } catch (URISyntaxException | IllegalArgumentException e) {
                                    return Uni.createFrom().failure(new EgressException(EgressException.BLOCKED,
                                            "a redirect's location is not valid"));
                                } catch (EgressException e) {
                                    return Uni.createFrom().failure(new EgressException(e.type(),
                                            "a redirect was refused: " + e.getMessage()));
                                }
                                boolean toGet = resp.statusCode() == 303
                                        || (resp.statusCode() <= 302 && !"GET".equals(method) && !"HEAD".equals(method));
                                Map<String, String> nextHeaders = headers;
                                if (!target.sameOrigin(next)) {
                                    nextHeaders = new LinkedHashMap<>();
                                    for (var h : headers.entrySet()) {
                                        if (!originBound.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                                            nextHeaders.put(h.getKey(), h.getValue());
                                        }
                                    }
                                }
                                return send(toGet ? "GET" : method, next, nextHeaders, toGet ? null : body,
                                        originBound, redirects + 1);
                            });
                        }
                        return read(resp);
                    });
        });
    }

    /** Resolves once and checks every address; returns the first, which the connection will use. */
    private Uni<InetAddress> resolve(String host) {
        EgressPolicy current = policy.get();
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            InetAddress[] all;
            try {
                all = resolver.resolve(host);
            } catch (UnknownHostException e) {
                throw new EgressException("connection_error", "the host name does not resolve");
            }
            if (all == null || all.length == 0) {
                throw new EgressException("connection_error", "the host name does not resolve");
            }
            for (InetAddress a : all) {
                EgressPolicy.Block b = current.blocked(host, a);
                if (b != null) {
                    throw new EgressException(EgressException.BLOCKED,
                            "the destination resolves to an address that is not allowed: " + b.reason());
                }
            }
            return all[0];
        }));
    }

    private Uni<EgressResponse> read(HttpClientResponse resp) {
        int max = config.maxResponseBytes();
        String declared = resp.getHeader("Content-Length");
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > max) {
            return discard(resp).chain(() -> Uni.createFrom().failure(
                    new EgressException("response_too_large", "the response is larger than allowed")));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return resp.toMulti()
                .onItem().invoke(buf -> {
                    if (out.size() + buf.length() > max) {
                        throw new EgressException("response_too_large", "the response is larger than allowed");
                    }
                    out.writeBytes(buf.getBytes());
                })
                .collect().last()
                .map(x -> {
                    Map<String, String> h = new LinkedHashMap<>();
                    resp.headers().forEach(e -> h.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
                    return new EgressResponse(resp.statusCode(), h, out.toByteArray());
                });
    }

    private static Uni<Void> discard(HttpClientResponse resp) {
        return resp.toMulti().collect().last().replaceWithVoid().onFailure().recoverWithNull().replaceWithVoid();
    }

    private static boolean isRedirect(int s) {
        return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    }
}
