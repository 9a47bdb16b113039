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
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one way workflows reach the network. http/https only; the host is resolved once, every resolved address is
 * checked by {@link EgressPolicy}, and the connection goes to the checked address (Host header and TLS SNI keep the
 * name), so DNS rebinding cannot slip a different address in; each redirect is checked the same way; response size
 * and time are bounded.
 */
@ApplicationScoped
public class EgressClient {

    private static final Set<String> DROPPED_HEADERS = Set.of("host", "content-length", "connection",
            "transfer-encoding", "upgrade", "proxy-connection", "keep-alive", "te", "trailer");

    private final Vertx vertx;
    private final HttpClient client;
    private final EgressPolicy policy;
    private final WorkflowConfig.Egress config;

    public EgressClient(Vertx vertx, WorkflowConfig config) {
        this.vertx = vertx;
        this.config = config.egress();
        this.policy = EgressPolicy.fromConfig(this.config.allowedCidrs());
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

    public EgressPolicy policy() {
        return policy;
    }

    public Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body) {
        return send(method, url, headers, body, 0)
                .ifNoItem().after(config.timeout())
                .failWith(() -> new EgressException("timeout", "the request did not complete in time"));
    }

    private Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body,
            int redirects) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new EgressException("egress_blocked", "the URL is not valid"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Uni.createFrom().failure(new EgressException("egress_blocked", "only http and https are allowed"));
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty() || uri.getRawUserInfo() != null) {
            return Uni.createFrom().failure(new EgressException("egress_blocked", "the URL has no usable host"));
        }
        String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean tls = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return resolve(bareHost).chain(address -> {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(method))
                    .setHost(bareHost)
                    .setPort(port)
                    .setSsl(tls)
                    .setURI(path)
                    .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
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
                        if (isRedirect(resp.statusCode()) && location != null) {
                            return discard(resp).chain(() -> {
                                if (redirects >= config.maxRedirects()) {
                                    return Uni.createFrom().failure(
                                            new EgressException("egress_blocked", "too many redirects"));
                                }
                                String next = uri.resolve(location).toString();
                                boolean toGet = resp.statusCode() == 303
                                        || (resp.statusCode() <= 302 && !"GET".equals(method) && !"HEAD".equals(method));
                                return send(toGet ? "GET" : method, next, headers, toGet ? null : body, redirects + 1);
                            });
                        }
                        return read(resp);
                    });
        });
    }

    /** Resolves once and checks every address; returns the first, which the connection will use. */
    private Uni<InetAddress> resolve(String host) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            InetAddress[] all;
            try {
                all = InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw new EgressException("connection_error", "the host name does not resolve");
            }
            for (InetAddress a : all) {
                if (!policy.permits(a)) {
                    throw new EgressException("egress_blocked",
                            "the destination resolves to an address that is not allowed");
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
