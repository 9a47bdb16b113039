package io.medhook.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

/**
 * The RBAC matrix: every protected endpoint of a service called by every kind of caller, with the outcome each must
 * get. A service's matrix test lists its endpoints with the callers allowed on each; {@link #run} calls them all and
 * {@link #requireCoverage} fails when the service's OpenAPI document has an operation the matrix does not list, so a
 * new endpoint cannot slip past it.
 * <p>
 * Expected outcomes: no token, an expired token, a tampered signature and a token for another audience get 401; an
 * allowed caller gets neither 401 nor 403 (nor a 5xx, unless the endpoint is marked as depending on a service the test
 * does not run); a caller whose token is for another workspace gets 404 on workspace-scoped endpoints (other
 * workspaces are invisible) and 403 elsewhere; any other caller gets 403.
 */
public final class RbacMatrix {

    /** The kinds of caller. Role callers hold that role in the matrix's workspace (OWNER: the instance owner). */
    public enum Caller {
        NONE, EXPIRED, TAMPERED, WRONG_AUDIENCE, OTHER_WORKSPACE, OWNER, ADMIN, EDITOR, VIEWER, AUDITOR, SERVICE;

        public boolean unauthenticated() {
            return this == NONE || this == EXPIRED || this == TAMPERED || this == WRONG_AUDIENCE;
        }
    }

    public static final Set<Caller> ANY_USER = EnumSet.of(Caller.OWNER, Caller.ADMIN, Caller.EDITOR, Caller.VIEWER,
            Caller.AUDITOR, Caller.OTHER_WORKSPACE);

    /**
     * One operation. {@code path} is the OpenAPI template; its {@code {parameters}} are filled from the values given to
     * {@link #run}. {@code body} is called per request (null: no body), so requests that create things can use fresh
     * names; it must be valid, so that refusals cannot hide behind validation errors.
     */
    public record Endpoint(String method, String path, Supplier<String> body, Set<Caller> allowed,
            boolean workspaceScoped, boolean upstream, Map<Caller, Integer> refusals, Map<String, String> values) {

        public String operation() {
            return method + " " + path;
        }

        /** Declares that an allowed call may answer 502/503 because the test does not run a service it calls. */
        public Endpoint dependsOnAbsentService() {
            return new Endpoint(method, path, body, allowed, workspaceScoped, true, refusals, values);
        }

        /** Overrides the status a refused caller gets (a service that accepts no user token answers users 401). */
        public Endpoint refuses(Caller c, int status) {
            Map<Caller, Integer> m = new EnumMap<>(Caller.class);
            m.putAll(refusals);
            m.put(c, status);
            return new Endpoint(method, path, body, allowed, workspaceScoped, upstream, m, values);
        }

        /** A path parameter value for this endpoint only (the same name can mean different things elsewhere). */
        public Endpoint with(String parameter, String value) {
            Map<String, String> m = new java.util.HashMap<>(values);
            m.put(parameter, value);
            return new Endpoint(method, path, body, allowed, workspaceScoped, upstream, refusals, Map.copyOf(m));
        }
    }

    public static Endpoint workspace(String method, String path, Supplier<String> body, Set<Caller> allowed) {
        return new Endpoint(method, path, body, allowed, true, false, Map.of(), Map.of());
    }

    public static Endpoint instance(String method, String path, Supplier<String> body, Set<Caller> allowed) {
        return new Endpoint(method, path, body, allowed, false, false, Map.of(), Map.of());
    }

    public static Supplier<String> json(String body) {
        return () -> body;
    }

    /** The outcome the matrix expects, for the failure message. */
    static String expected(Endpoint e, Caller c) {
        if (c.unauthenticated()) {
            return "401";
        }
        if (e.allowed().contains(c)) {
            return "allowed";
        }
        if (e.refusals().containsKey(c)) {
            return String.valueOf(e.refusals().get(c));
        }
        if (c == Caller.OTHER_WORKSPACE && e.workspaceScoped()) {
            return "404";
        }
        return "403";
    }

    static boolean meets(String expected, Endpoint e, int status) {
        return switch (expected) {
            case "allowed" -> status != 401 && status != 403
                    && (status < 500 || (e.upstream() && (status == 502 || status == 503)));
            default -> Integer.parseInt(expected) == status;
        };
    }

    private RbacMatrix() {
    }

    /** The token with one character in the middle of its signature changed: a tampered signature. */
    public static String tamper(String jwt) {
        int at = jwt.lastIndexOf('.') + (jwt.length() - jwt.lastIndexOf('.')) / 2;
        char c = jwt.charAt(at);
        return jwt.substring(0, at) + (c == 'A' ? 'B' : 'A') + jwt.substring(at + 1);
    }

    /**
     * Calls every endpoint as every caller that has a token in {@code tokens} (NONE needs none) and returns the
     * violations, one line each ("METHOD path as CALLER: expected X, got Y"); empty when the matrix holds. Endpoints
     * run in the order given: put one that ends sessions (logout) last. {@code baseUrl} may end in a slash (as a
     * {@code @TestHTTPResource} URL does).
     */
    public static List<String> run(String baseUrl, List<Endpoint> endpoints, Map<Caller, String> tokens,
            Map<String, String> parameters) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<String> violations = new ArrayList<>();
        Map<Caller, String> all = new EnumMap<>(tokens);
        for (Endpoint e : endpoints) {
            String path = e.path();
            for (Map.Entry<String, String> p : e.values().entrySet()) {
                path = path.replace("{" + p.getKey() + "}", p.getValue());
            }
            for (Map.Entry<String, String> p : parameters.entrySet()) {
                path = path.replace("{" + p.getKey() + "}", p.getValue());
            }
            if (path.contains("{")) {
                throw new IllegalArgumentException("no value for a parameter of " + e.operation());
            }
            for (Caller c : Caller.values()) {
                String token = all.get(c);
                if (c != Caller.NONE && token == null) {
                    throw new IllegalArgumentException("no token for caller " + c);
                }
                String body = e.body() == null ? null : e.body().get();
                HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(withoutSlash(baseUrl) + path))
                        .timeout(Duration.ofSeconds(20))
                        .method(e.method(), body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
                if (body != null) {
                    r.header("Content-Type", "application/json");
                }
                if (token != null && c != Caller.NONE) {
                    r.header("Authorization", "Bearer " + token);
                }
                HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
                String expected = expected(e, c);
                if (!meets(expected, e, resp.statusCode())) {
                    violations.add(e.operation() + " as " + c + ": expected " + expected + ", got "
                            + resp.statusCode());
                }
                if ((resp.statusCode() == 401 || resp.statusCode() == 403 || resp.statusCode() == 404)
                        && !resp.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
                    violations.add(e.operation() + " as " + c + ": " + resp.statusCode() + " is not problem+json");
                }
            }
        }
        return violations;
    }

    /**
     * The operations of the service's OpenAPI document ({@code /q/openapi?format=json}) that are neither in the matrix
     * nor declared public; empty when the matrix covers the service.
     */
    public static Set<String> uncovered(String baseUrl, List<Endpoint> endpoints, Set<String> publicOperations)
            throws IOException, InterruptedException {
        HttpResponse<String> resp = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(withoutSlash(baseUrl) + "/q/openapi?format=json")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("no OpenAPI document: " + resp.statusCode());
        }
        Map<String, Object> doc;
        try {
            doc = JsonUtil.parseJson(resp.body());
        } catch (JoseException e) {
            throw new IllegalStateException("the OpenAPI document is not JSON", e);
        }
        Set<String> listed = new TreeSet<>(publicOperations);
        endpoints.forEach(e -> listed.add(e.operation()));
        Set<String> missing = new TreeSet<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
        for (Map.Entry<String, Map<String, Object>> p : paths.entrySet()) {
            for (String method : p.getValue().keySet()) {
                if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
                    String op = method.toUpperCase() + " " + p.getKey();
                    if (!listed.contains(op)) {
                        missing.add(op);
                    }
                }
            }
        }
        return missing;
    }

    private static String withoutSlash(String baseUrl) {
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }
}
