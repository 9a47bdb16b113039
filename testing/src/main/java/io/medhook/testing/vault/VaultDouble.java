package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A HashiCorp Vault protocol double for tests: a real HTTP server on 127.0.0.1 and a free port that follows Vault's
 * HTTP API documentation for <b>Vault {@value #VAULT_VERSION}</b> (paths under {@code /v1/}, {@code X-Vault-Token},
 * the response envelope, errors as {@code {"errors":[...]}} with Vault's status codes: 400 bad input, 403 permission
 * denied, 404 not found with an empty list, 405 unsupported method, 503 sealed). No Vault server can run on the
 * machines these tests run on; this is not Vault and verifies nothing about Vault itself, only that clients speak
 * Vault's documented protocol.
 *
 * <p>Built in, at Vault's default mounts: KV v2 at {@code secret/} ({@link VaultKv}), Transit at {@code transit/}
 * ({@link VaultTransit}), the database engine at {@code database/} for PostgreSQL ({@link VaultDatabase}), Kubernetes
 * auth at {@code auth/kubernetes/} ({@link VaultKubernetes}), the token store at {@code auth/token/}
 * ({@code lookup-self}, {@code renew-self}, {@code create}, {@code revoke-self}), {@code sys/health},
 * {@code sys/seal-status} and {@code sys/leases/renew|revoke|lookup}. Switches: {@link #seal}/{@link #unseal} (503
 * "Vault is sealed" everywhere except health and seal status) and {@link #unreachable} (the listener is closed:
 * connection refused; {@link #reachable} re-opens it on the same port).
 *
 * <p>Extension: {@link #route} registers more handlers ({@code sys/policy/*}, {@code sys/mounts/*},
 * {@code auth/kubernetes/role/*} …); registered routes are matched before the built-in ones. {@link #acl} installs a
 * check run on every authenticated request with the token's policies ({@link #policiesOf}), so a test can enforce
 * HCL policies; {@link #requests} records every request (method, path, policies, status) for assertions.
 */
public final class VaultDouble implements AutoCloseable {

    /** The Vault version whose HTTP API documentation this double follows. */
    public static final String VAULT_VERSION = "1.18";

    /** Handles one request; throws {@link VaultError} for an error answer; null passes it to the next route. */
    @FunctionalInterface
    public interface Handler {
        VaultResponse handle(VaultRequest request);
    }

    /** Decides whether a token with {@code policies} may do {@code request} (never asked for the root token). */
    @FunctionalInterface
    public interface Acl {
        boolean allows(Set<String> policies, VaultRequest request);
    }

    /** One request as it was answered. {@code policies} is empty when the request carried no valid token. */
    public record Recorded(String method, String path, Set<String> policies, int status) {
    }

    private record Route(String method, Pattern pattern, List<String> names, Handler handler, boolean open) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> UNSEALED_PATHS = Set.of("sys/health", "sys/seal-status");

    private final List<Route> custom = new CopyOnWriteArrayList<>();
    private final List<Route> builtins = new CopyOnWriteArrayList<>();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final VaultTokens tokens = new VaultTokens();
    private final Map<String, VaultKv> kv = new LinkedHashMap<>();
    private final Map<String, VaultTransit> transit = new LinkedHashMap<>();
    private final VaultDatabase database;
    private final VaultKubernetes kubernetes;
    private final String rootToken;
    private final int port;
    private volatile boolean sealed;
    private volatile Acl acl;
    private volatile HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "vault-double");
        t.setDaemon(true);
        return t;
    });

    private VaultDouble() throws IOException {
        this.rootToken = tokens.create(List.of("root"), Duration.ZERO, false, "root", "auth/token/root", Map.of()).id();
        mountKv("secret");
        mountTransit("transit");
        this.database = new VaultDatabase("database");
        database.register(this);
        this.kubernetes = new VaultKubernetes("auth/kubernetes", tokens);
        kubernetes.register(this);
        registerTokenRoutes();
        registerSysRoutes();
        this.server = listen(0);
        this.port = server.getAddress().getPort();
    }

    /** Starts a double on 127.0.0.1 and a free port, unsealed, with a root token. */
    public static VaultDouble start() {
        try {
            return new VaultDouble();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Vault double", e);
        }
    }

    /** The address to configure as {@code quarkus.vault.url}, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The root token (policy {@code root}, never expires); give services a narrower {@link #createToken}. */
    public String rootToken() {
        return rootToken;
    }

    /** Creates a renewable service token with {@code policies} (plus {@code default}) and a TTL. */
    public String createToken(List<String> policies, Duration ttl) {
        return tokens.create(policies, ttl, true, "token", "auth/token/create", Map.of()).id();
    }

    /** The policies attached to a token, empty when the token is unknown or expired. */
    public Set<String> policiesOf(String token) {
        return tokens.find(token).map(t -> Set.copyOf(t.policies())).orElse(Set.of());
    }

    /** The KV v2 mount at {@code path} (created on first use, like {@code vault secrets enable -version=2 -path=…}). */
    public synchronized VaultKv mountKv(String path) {
        return kv.computeIfAbsent(path, p -> {
            VaultKv k = new VaultKv(p);
            k.register(this);
            return k;
        });
    }

    /** The Transit mount at {@code path} (created on first use). */
    public synchronized VaultTransit mountTransit(String path) {
        return transit.computeIfAbsent(path, p -> {
            VaultTransit t = new VaultTransit(p);
            t.register(this);
            return t;
        });
    }

    /** KV v2 at {@code secret/}. */
    public VaultKv kv() {
        return mountKv("secret");
    }

    /** Transit at {@code transit/}. */
    public VaultTransit transit() {
        return mountTransit("transit");
    }

    /** The database engine at {@code database/}. */
    public VaultDatabase database() {
        return database;
    }

    /** Kubernetes auth at {@code auth/kubernetes/}. */
    public VaultKubernetes kubernetes() {
        return kubernetes;
    }

    /**
     * Registers a handler for {@code method} ({@code GET}, {@code POST} for POST and PUT, {@code DELETE}, {@code LIST}
     * for LIST and GET ?list=true) and a path pattern relative to {@code /v1/}: {@code {name}} captures one segment,
     * {@code {name*}} the rest of the path. Matched before the built-in routes; requires a valid token. A handler that
     * returns null passes the request on to the next matching route (to inject a failure only sometimes).
     */
    public VaultDouble route(String method, String pathPattern, Handler handler) {
        custom.add(compile(method, pathPattern, handler, false));
        return this;
    }

    /** As {@link #route}, for paths Vault serves without a token (logins, {@code sys/init}, {@code sys/unseal}). */
    public VaultDouble openRoute(String method, String pathPattern, Handler handler) {
        custom.add(compile(method, pathPattern, handler, true));
        return this;
    }

    void builtin(String method, String pathPattern, Handler handler) {
        boolean open = pathPattern.startsWith("auth/") && pathPattern.endsWith("/login");
        builtins.add(compile(method, pathPattern, handler, open));
    }

    /** Installs (or with null removes) the ACL check run on every request made with a non-root token. */
    public void acl(Acl check) {
        this.acl = check;
    }

    /** Every request answered so far, in order. */
    public List<Recorded> requests() {
        return List.copyOf(recorded);
    }

    public void clearRequests() {
        recorded.clear();
    }

    /** Seals: every request but {@code sys/health} and {@code sys/seal-status} answers 503 "Vault is sealed". */
    public void seal() {
        sealed = true;
    }

    public void unseal() {
        sealed = false;
    }

    public boolean sealed() {
        return sealed;
    }

    /** Closes the listener: clients get "connection refused" until {@link #reachable()}. */
    public synchronized void unreachable() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Re-opens the listener on the same port. */
    public synchronized void reachable() {
        if (server == null) {
            IOException last = null;
            for (int i = 0; i < 50; i++) {
                try {
                    server = listen(port);
                    return;
                } catch (IOException e) {
                    last = e;
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            throw new IllegalStateException("cannot re-open the Vault double on port " + port, last);
        }
    }

    @Override
    public void close() {
        unreachable();
        database.revokeAll();
        executor.shutdownNow();
    }

    // --- routing -------------------------------------------------------------------------------------------------

    private HttpServer listen(int p) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 0);
        s.createContext("/", this::handle);
        s.setExecutor(executor);
        s.start();
        return s;
    }

    private static Route compile(String method, String pattern, Handler handler, boolean open) {
        List<String> names = new ArrayList<>();
        StringBuilder re = new StringBuilder();
        Matcher m = Pattern.compile("\\{([a-zA-Z_]+)(\\*?)}").matcher(pattern);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(pattern.substring(last, m.start())));
            re.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
            names.add(m.group(1));
            last = m.end();
        }
        re.append(Pattern.quote(pattern.substring(last)));
        return new Route(method.toUpperCase(Locale.ROOT), Pattern.compile(re.toString()), names, handler, open);
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String rawPath = ex.getRequestURI().getRawPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String path = rawPath.startsWith("/v1/") ? URLDecoder.decode(rawPath.substring(4), StandardCharsets.UTF_8)
                : null;
        if (path != null && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if ("PUT".equals(method)) {
            method = "POST";
        }
        if ("GET".equals(method) && "true".equals(query.get("list"))) {
            method = "LIST";
        }
        Map<String, List<String>> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        String token = ex.getRequestHeaders().getFirst("X-Vault-Token");
        String authz = ex.getRequestHeaders().getFirst("Authorization");
        if ((token == null || token.isEmpty()) && authz != null && authz.startsWith("Bearer ")) {
            token = authz.substring(7);
        }
        VaultTokens.Token info = tokens.find(token).orElse(null);
        int status;
        JsonNode body;
        try {
            if (path == null) {
                throw VaultError.notFound();
            }
            ObjectNode requestBody = parseBody(ex.getRequestBody().readAllBytes());
            VaultResponse r = dispatch(method, path, query, headers, requestBody, token, info);
            status = r.status();
            body = r.body();
        } catch (VaultError e) {
            status = e.status();
            ObjectNode err = JSON.createObjectNode();
            ArrayNode list = err.putArray("errors");
            e.errors().forEach(list::add);
            body = err;
        } catch (RuntimeException e) {
            // a bug in a handler: say which, so a failing test is not left guessing (never request data)
            System.err.println("[vault double] handler failed for " + method + " " + path + ": " + e);
            status = 500;
            ObjectNode err = JSON.createObjectNode();
            err.putArray("errors").add("internal error");
            body = err;
        }
        recorded.add(new Recorded(method, path == null ? rawPath : path,
                info == null ? Set.of() : Set.copyOf(info.policies()), status));
        byte[] out = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        if (body != null) {
            ex.getResponseHeaders().add("Content-Type", "application/json");
        }
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private VaultResponse dispatch(String method, String path, Map<String, String> query,
            Map<String, List<String>> headers, ObjectNode body, String token, VaultTokens.Token info) {
        if (sealed && !UNSEALED_PATHS.contains(path)) {
            throw new VaultError(503, "Vault is sealed");
        }
        boolean pathKnown = false;
        for (List<Route> list : List.of(custom, builtins)) {
            for (Route route : list) {
                Matcher m = route.pattern().matcher(path);
                if (!m.matches()) {
                    continue;
                }
                pathKnown = true;
                if (!route.method().equals(method)) {
                    continue;
                }
                Map<String, String> params = new HashMap<>();
                for (int i = 0; i < route.names().size(); i++) {
                    params.put(route.names().get(i), m.group(i + 1));
                }
                boolean open = route.open() || UNSEALED_PATHS.contains(path);
                if (!open && info == null) {
                    throw VaultError.permissionDenied();
                }
                VaultRequest request = new VaultRequest(method, path, Map.copyOf(params), query, headers, body, token,
                        info);
                Acl check = acl;
                if (!open && check != null && !info.policies().contains("root")
                        && !check.allows(Set.copyOf(info.policies()), request)) {
                    throw VaultError.permissionDenied();
                }
                VaultResponse answer = route.handler().handle(request);
                if (answer != null) {
                    return answer;
                }
                // null: the handler passes the request on to the next matching route
            }
        }
        if (info == null && !UNSEALED_PATHS.contains(path)) {
            throw VaultError.permissionDenied();
        }
        if (pathKnown) {
            throw new VaultError(405, "1 error occurred:\n\t* unsupported operation\n\n");
        }
        throw new VaultError(404, "no handler for route \"" + path + "\". route entry not found.");
    }

    private static ObjectNode parseBody(byte[] raw) {
        if (raw.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(raw);
            if (n == null || n.isNull()) {
                return JSON.createObjectNode();
            }
            if (!n.isObject()) {
                throw new VaultError(400, "error parsing JSON");
            }
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new VaultError(400, "error parsing JSON");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String kv : raw.split("&")) {
            String[] p = kv.split("=", 2);
            q.putIfAbsent(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                    p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
        }
        return q;
    }

    // --- auth/token and sys ----------------------------------------------------------------------------------------

    private void registerTokenRoutes() {
        Handler lookupSelf = r -> VaultResponse.data(VaultTokens.lookupData(r.tokenInfo()));
        builtin("GET", "auth/token/lookup-self", lookupSelf);
        builtin("POST", "auth/token/lookup-self", lookupSelf);
        builtin("POST", "auth/token/renew-self", r -> {
            Duration inc = VaultTokens.duration(r.text("increment"));
            return VaultResponse.auth(VaultTokens.authBlock(tokens.renew(r.tokenInfo(), inc)));
        });
        builtin("POST", "auth/token/revoke-self", r -> {
            tokens.revoke(r.token());
            return VaultResponse.noContent();
        });
        builtin("POST", "auth/token/create", r -> {
            List<String> policies = new ArrayList<>();
            JsonNode p = r.body().get("policies");
            if (p != null && p.isArray()) {
                p.forEach(n -> policies.add(n.asText()));
            } else {
                policies.addAll(r.tokenInfo().policies());
            }
            if (!r.tokenInfo().policies().contains("root") && !r.tokenInfo().policies().containsAll(policies)) {
                throw new VaultError(400, "child policies must be subset of parent");
            }
            Duration ttl = Optional.ofNullable(VaultTokens.duration(r.text("ttl"))).orElse(Duration.ofHours(768));
            String display = r.text("display_name") == null ? "token" : "token-" + r.text("display_name");
            VaultTokens.Token t = tokens.create(policies, ttl, r.bool("renewable", true), display,
                    "auth/token/create", Map.of());
            return VaultResponse.auth(VaultTokens.authBlock(t));
        });
    }

    private void registerSysRoutes() {
        builtin("GET", "sys/health", this::health);
        builtin("GET", "sys/seal-status", r -> VaultResponse.raw(200, sealStatus()));
        builtin("POST", "sys/leases/renew", r -> {
            String id = r.text("lease_id");
            if (id == null || id.isEmpty()) {
                throw new VaultError(400, "lease_id must not be empty");
            }
            long ttl = database.renew(id, VaultTokens.duration(r.text("increment")));
            ObjectNode o = VaultResponse.object();
            o.put("request_id", java.util.UUID.randomUUID().toString());
            o.put("lease_id", id);
            o.put("renewable", true);
            o.put("lease_duration", ttl);
            o.putNull("data");
            o.putNull("wrap_info");
            o.putNull("warnings");
            o.putNull("auth");
            return VaultResponse.raw(200, o);
        });
        builtin("POST", "sys/leases/revoke", r -> {
            String id = r.text("lease_id");
            if (id == null || id.isEmpty()) {
                throw new VaultError(400, "lease_id must not be empty");
            }
            database.revoke(id);
            return VaultResponse.noContent();
        });
        builtin("POST", "sys/leases/lookup", r -> {
            VaultDatabase.Lease l = database.lookup(r.text("lease_id"));
            ObjectNode d = VaultResponse.object();
            d.put("id", l.id());
            d.put("issue_time", "");
            d.put("expire_time", l.expires().toString());
            d.putNull("last_renewal");
            d.put("renewable", true);
            d.put("ttl", Math.max(0, Duration.between(Instant.now(), l.expires()).toSeconds()));
            return VaultResponse.data(d);
        });
    }

    /**
     * {@code GET sys/health}: 200 initialized, unsealed and active; 503 sealed (or {@code sealedcode}); 429 standby is
     * never reported (a single node). The body is not wrapped in the envelope.
     */
    private VaultResponse health(VaultRequest r) {
        ObjectNode o = VaultResponse.object();
        o.put("initialized", true);
        o.put("sealed", sealed);
        o.put("standby", sealed);
        o.put("performance_standby", false);
        o.put("replication_performance_mode", "disabled");
        o.put("replication_dr_mode", "disabled");
        o.put("server_time_utc", Instant.now().getEpochSecond());
        o.put("version", VAULT_VERSION + ".0");
        o.put("enterprise", false);
        o.put("cluster_name", "vault-double");
        o.put("cluster_id", "00000000-0000-0000-0000-000000000000");
        o.put("echo_duration_ms", 0);
        o.put("clock_skew_ms", 0);
        o.put("replication_primary_canary_age_ms", 0);
        int status = sealed ? code(r.query().get("sealedcode"), 503) : code(r.query().get("activecode"), 200);
        return VaultResponse.raw(status, o);
    }

    private ObjectNode sealStatus() {
        ObjectNode o = VaultResponse.object();
        o.put("type", "shamir");
        o.put("initialized", true);
        o.put("sealed", sealed);
        o.put("t", 1);
        o.put("n", 1);
        o.put("progress", 0);
        o.put("nonce", "");
        o.put("version", VAULT_VERSION + ".0");
        o.put("build_date", "2024-10-09T16:48:26Z");
        o.put("migration", false);
        o.put("recovery_seal", false);
        o.put("storage_type", "inmem");
        if (!sealed) {
            o.put("cluster_name", "vault-double");
            o.put("cluster_id", "00000000-0000-0000-0000-000000000000");
        }
        return o;
    }

    private static int code(String q, int dflt) {
        if (q == null || q.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(q);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
