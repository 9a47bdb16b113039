package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.credential.CredentialType;
import io.medhook.workflow.credential.CredentialVault;
import io.medhook.workflow.credential.ResolvedCredential;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.medhook.workflow.egress.EgressResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code fhir}: one FHIR R4 REST interaction ({@code read}, {@code search} with optional paging, {@code create},
 * {@code update}, {@code patch} (JSON Patch), {@code delete}, {@code transaction}) against {@code baseUrl}, through the
 * egress client. Requests carry
 * {@code Accept: application/fhir+json}, writes {@code Content-Type: application/fhir+json}, every request
 * {@code Idempotency-Key: <execution>:<node>}. Output: {@code {"status", "resource"}} (plus {@code location} when the
 * server sent one). A non-2xx answer, or a 2xx OperationOutcome with an error or fatal issue, fails the step with
 * {@code fhir_error}; its message carries the status and the issues' severity/code only, never their diagnostics or
 * details (they may name a patient). Credentials: those of http nodes (applied by {@link HttpNodeRunner}) and
 * {@code smart_backend} (SMART Backend Services, {@link SmartBackendTokens}; a 401 is retried once with a new token).
 */
@ApplicationScoped
public class FhirNodeRunner implements NodeRunner {

    static final String FHIR_JSON = "application/fhir+json";
    static final String JSON_PATCH = "application/json-patch+json";
    /** The credential types a {@code fhir} node can use. */
    public static final Set<CredentialType> USABLE = Stream.concat(HttpNodeRunner.USABLE.stream(),
            Stream.of(CredentialType.SMART_BACKEND)).collect(Collectors.toUnmodifiableSet());
    private static final Pattern ISSUE_TOKEN = Pattern.compile("[a-z][a-z-]{0,31}");
    private static final int MAX_ISSUES = 10;

    private final EgressClient egress;
    private final ObjectMapper json;
    private final CredentialVault vault;
    private final HttpNodeRunner http;
    private final SmartBackendTokens smart;

    public FhirNodeRunner(EgressClient egress, ObjectMapper json, CredentialVault vault, HttpNodeRunner http,
            SmartBackendTokens smart) {
        this.egress = egress;
        this.json = json;
        this.vault = vault;
        this.http = http;
        this.smart = smart;
    }

    @Override
    public String type() {
        return "fhir";
    }

    /** The method, URL and body of one interaction. */
    private record Call(String method, String url, byte[] body) {
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        ObjectNode p = node.params();
        String interaction = p.get("interaction").asText();
        Call call;
        try {
            call = call(p, interaction, input);
        } catch (StepFailure f) {
            return Uni.createFrom().failure(f);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (p.hasNonNull("headers")) {
            p.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        }
        headers.putIfAbsent("User-Agent", "MedHook/0.1");
        set(headers, "Accept", FHIR_JSON);
        set(headers, "Idempotency-Key", context.executionId() + ":" + node.id());
        if (call.body() != null) {
            set(headers, "Content-Type", "patch".equals(interaction) ? JSON_PATCH : FHIR_JSON);
            if (headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Prefer"))) {
                headers.put("Prefer", "return=representation");
            }
        }
        if ("create".equals(interaction) && p.hasNonNull("ifNoneExist")) {
            set(headers, "If-None-Exist", p.get("ifNoneExist").asText());
        }
        java.util.function.Function<Call, Uni<EgressResponse>> sender;
        if (p.hasNonNull("credentialId")) {
            sender = one -> credential(context.workspaceId(), p.get("credentialId").asText()).chain(c -> {
                if (c.type() == CredentialType.SMART_BACKEND) {
                    return sendSmart(c, scope(p, interaction), one, headers, true);
                }
                return http.sendWith(c, one.method(), one.url(), headers, one.body(), true);
            });
        } else {
            sender = one -> send(one, headers, Set.of());
        }
        int maxPages = p.hasNonNull("maxPages") ? p.get("maxPages").asInt() : 1;
        Uni<JsonNode> first = sender.apply(call).map(this::output);
        if (!"search".equals(interaction) || maxPages <= 1) {
            return first;
        }
        String base = p.get("baseUrl").asText().replaceAll("/+$", "");
        return first.chain(out -> pages((ObjectNode) out, out.get("resource"), 1, maxPages, base, sender));
    }

    /**
     * Paging of a search: follows the Bundle's {@code next} link while there is one and fewer than {@code maxPages}
     * pages were read, appending each page's entries to the first Bundle. A next link must stay under
     * {@code baseUrl} (the credential goes with it), else the step fails. The output's {@code resource} is the merged
     * Bundle with the last page's links; {@code pages} counts the pages read, {@code more} says whether a next page was
     * left unread.
     */
    private Uni<JsonNode> pages(ObjectNode out, JsonNode lastPage, int read, int maxPages, String base,
            java.util.function.Function<Call, Uni<EgressResponse>> sender) {
        String next = nextLink(lastPage);
        if (next == null || read >= maxPages) {
            if (out.get("resource") instanceof ObjectNode merged && lastPage != null && lastPage.has("link")) {
                merged.set("link", lastPage.get("link"));
            }
            out.put("pages", read);
            out.put("more", next != null);
            return Uni.createFrom().item(out);
        }
        if (!(next.startsWith(base + "/") || next.startsWith(base + "?"))) {
            return Uni.createFrom().failure(new StepFailure("fhir_error",
                    "page " + (read + 1) + ": the Bundle's next link leads outside baseUrl"));
        }
        return sender.apply(new Call("GET", next, null)).map(this::output).chain(page -> {
            JsonNode bundle = page.get("resource");
            if (bundle == null || !"Bundle".equals(bundle.path("resourceType").asText())) {
                return Uni.createFrom().failure(new StepFailure("fhir_error",
                        "page " + (read + 1) + " is not a Bundle"));
            }
            if (out.get("resource") instanceof ObjectNode merged) {
                com.fasterxml.jackson.databind.node.ArrayNode entries = merged.has("entry")
                        && merged.get("entry").isArray() ? (com.fasterxml.jackson.databind.node.ArrayNode)
                        merged.get("entry") : merged.putArray("entry");
                bundle.path("entry").forEach(entries::add);
            }
            return pages(out, bundle, read + 1, maxPages, base, sender);
        });
    }

    /** The URL of a Bundle's {@code link} with relation {@code next}, or null. */
    private static String nextLink(JsonNode bundle) {
        if (bundle == null) {
            return null;
        }
        for (JsonNode l : bundle.path("link")) {
            if ("next".equals(l.path("relation").asText()) && l.path("url").isTextual()) {
                return l.get("url").asText();
            }
        }
        return null;
    }

    private Call call(ObjectNode p, String interaction, JsonNode input) {
        String base = p.get("baseUrl").asText().replaceAll("/+$", "");
        String type = p.path("resourceType").asText();
        return switch (interaction) {
            case "read" -> new Call("GET", base + "/" + type + "/" + segment(p.get("id").asText()), null);
            case "search" -> new Call("GET", base + "/" + type + query(p.get("params")), null);
            case "create" -> new Call("POST", base + "/" + type, resource(p, input, type));
            case "update" -> new Call("PUT", base + "/" + type + "/" + segment(p.get("id").asText()),
                    resource(p, input, type));
            case "transaction" -> new Call("POST", base, resource(p, input, "Bundle"));
            case "delete" -> new Call("DELETE", base + "/" + type + "/" + segment(p.get("id").asText()), null);
            case "patch" -> new Call("PATCH", base + "/" + type + "/" + segment(p.get("id").asText()), patch(p, input));
            default -> throw new StepFailure("invalid_params", "unknown interaction");
        };
    }

    /** The resource to send: the input, or what {@code body} (a dot path) points at; its resourceType must fit. */
    private byte[] resource(ObjectNode p, JsonNode input, String expectedType) {
        JsonNode r = p.hasNonNull("body") ? ConditionNodeRunner.at(input, p.get("body").asText()) : input;
        String where = p.hasNonNull("body") ? "the input at " + p.get("body").asText() : "the input";
        if (r == null || !r.isObject() || !r.path("resourceType").isTextual()) {
            throw new StepFailure("fhir_error", where + " is not a FHIR resource (an object with resourceType)");
        }
        if (!r.get("resourceType").asText().equals(expectedType)) {
            throw new StepFailure("fhir_error", where + " is not a " + expectedType + " resource");
        }
        try {
            return json.writeValueAsBytes(r);
        } catch (Exception e) {
            throw new StepFailure("internal", "input cannot be serialised");
        }
    }

    /** A JSON Patch document (RFC 6902): the input, or what {@code body} points at, must be an array of operations. */
    private byte[] patch(ObjectNode p, JsonNode input) {
        JsonNode r = p.hasNonNull("body") ? ConditionNodeRunner.at(input, p.get("body").asText()) : input;
        String where = p.hasNonNull("body") ? "the input at " + p.get("body").asText() : "the input";
        if (r == null || !r.isArray() || r.isEmpty()) {
            throw new StepFailure("fhir_error", where + " is not a JSON Patch (a non-empty array of operations)");
        }
        for (JsonNode op : r) {
            if (!op.isObject() || !op.path("op").isTextual() || !op.path("path").isTextual()) {
                throw new StepFailure("fhir_error", where + " is not a JSON Patch (each operation needs op and path)");
            }
        }
        try {
            return json.writeValueAsBytes(r);
        } catch (Exception e) {
            throw new StepFailure("internal", "input cannot be serialised");
        }
    }

    /** The SMART scope: the node's {@code scope}, else SMART v1 scopes that fit the interaction. */
    static String scope(ObjectNode p, String interaction) {
        if (p.hasNonNull("scope")) {
            return p.get("scope").asText();
        }
        String type = p.path("resourceType").asText();
        return switch (interaction) {
            case "read", "search" -> "system/" + type + ".read";
            case "create", "update", "delete", "patch" -> "system/" + type + ".write";
            default -> "system/*.read system/*.write";
        };
    }

    private static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    /** {@code ?name=value&…}; an array value repeats the parameter. */
    private static String query(JsonNode params) {
        if (params == null || !params.isObject() || params.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        params.properties().forEach(e -> {
            List<JsonNode> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(values::add);
            } else {
                values.add(e.getValue());
            }
            values.forEach(v -> parts.add(encode(e.getKey()) + "=" + encode(v.asText())));
        });
        return "?" + String.join("&", parts);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Sets a header, replacing a declared one of the same name in any case. */
    private static void set(Map<String, String> headers, String name, String value) {
        headers.keySet().removeIf(k -> k.equalsIgnoreCase(name));
        headers.put(name, value);
    }

    private Uni<EgressResponse> send(Call call, Map<String, String> headers, Set<String> originBound) {
        return egress.send(call.method(), call.url(), headers, call.body(), originBound)
                .onFailure(EgressException.class)
                .transform(e -> new StepFailure(((EgressException) e).type(), e.getMessage()));
    }

    private Uni<EgressResponse> sendSmart(ResolvedCredential c, String scope, Call call,
            Map<String, String> declared, boolean mayRetry) {
        return smart.token(c, scope).chain(token -> {
            Map<String, String> headers = new LinkedHashMap<>(declared);
            set(headers, "Authorization", "Bearer " + token);
            return send(call, headers, Set.of("Authorization")).chain(resp -> {
                if (resp.status() == 401 && mayRetry) {
                    smart.invalidate(c, scope, token);
                    return sendSmart(c, scope, call, declared, false);
                }
                return Uni.createFrom().item(resp);
            });
        });
    }

    /** The workspace's credential, or a {@code credential_error} step failure that names no value. */
    private Uni<ResolvedCredential> credential(UUID workspaceId, String id) {
        UUID credentialId;
        try {
            credentialId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new StepFailure("credential_error", "credentialId is not a UUID"));
        }
        return vault.resolve(workspaceId, credentialId).onFailure().transform(f -> {
            if (f instanceof MedhookException m && m.kind() == ErrorKind.NOT_FOUND) {
                return new StepFailure("credential_error", "credential " + credentialId + " does not exist");
            }
            return new StepFailure("credential_error", "credential " + credentialId + " cannot be used");
        }).invoke(c -> {
            if (!USABLE.contains(c.type())) {
                throw new StepFailure("credential_error",
                        "credential " + credentialId + " is of type " + c.type().id() + ", which fhir nodes cannot use");
            }
        });
    }

    private JsonNode output(EgressResponse resp) {
        JsonNode resource = null;
        if (resp.body().length > 0) {
            try {
                resource = json.readTree(resp.body());
            } catch (Exception e) {
                resource = null;
            }
        }
        boolean ok = resp.status() >= 200 && resp.status() <= 299;
        boolean outcome = resource != null && "OperationOutcome".equals(resource.path("resourceType").asText());
        if (!ok || (outcome && failing(resource))) {
            throw new StepFailure("fhir_error", "the FHIR server answered " + resp.status()
                    + (outcome ? " with an OperationOutcome: " + issues(resource) : ""));
        }
        if (resp.body().length > 0 && (resource == null || !resource.isObject())) {
            throw new StepFailure("fhir_error", "the FHIR server answered " + resp.status() + " without a JSON resource");
        }
        ObjectNode out = json.createObjectNode();
        out.put("status", resp.status());
        out.set("resource", resource == null ? json.nullNode() : resource);
        String location = resp.headers().get("location");
        if (location == null) {
            location = resp.headers().get("content-location");
        }
        if (location != null) {
            out.put("location", location);
        }
        return out;
    }

    private static boolean failing(JsonNode outcome) {
        for (JsonNode issue : outcome.path("issue")) {
            String s = issue.path("severity").asText();
            if (s.equals("error") || s.equals("fatal")) {
                return true;
            }
        }
        return false;
    }

    /** {@code severity/code} of each issue; only tokens of the FHIR value sets, never diagnostics or details. */
    static String issues(JsonNode outcome) {
        List<String> out = new ArrayList<>();
        for (JsonNode issue : outcome.path("issue")) {
            if (out.size() == MAX_ISSUES) {
                out.add("…");
                break;
            }
            out.add(token(issue.path("severity").asText()) + "/" + token(issue.path("code").asText()));
        }
        return out.isEmpty() ? "no issues" : String.join(", ", out);
    }

    private static String token(String s) {
        return ISSUE_TOKEN.matcher(s.toLowerCase(Locale.ROOT)).matches() ? s.toLowerCase(Locale.ROOT) : "?";
    }
}
