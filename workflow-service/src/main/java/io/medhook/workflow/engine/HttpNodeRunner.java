package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.credential.CredentialType;
import io.medhook.workflow.credential.ResolvedCredential;
import io.medhook.workflow.credential.CredentialVault;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.medhook.workflow.egress.EgressResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * {@code http}: sends the node's input as the JSON body (for methods with a body) through the egress client. Output:
 * {@code {"status", "body"}} (body parsed when JSON; request and response headers are not in the output). A non-2xx
 * answer fails the step with {@code http_error}. Every request carries {@code Idempotency-Key: <execution>:<node>} so
 * a resumed step can be deduplicated. With {@code credentialId} the request is authorised by a credential of the
 * execution's workspace ({@code http_basic}, {@code bearer}, {@code api_key_header},
 * {@code oauth2_client_credentials}); its header replaces a declared header of the same name, and for OAuth2 a 401
 * is retried once with a freshly fetched token.
 */
@ApplicationScoped
public class HttpNodeRunner implements NodeRunner {

    private final EgressClient egress;
    private final ObjectMapper json;
    private final CredentialVault vault;
    private final OAuth2Tokens tokens;

    public HttpNodeRunner(EgressClient egress, ObjectMapper json, CredentialVault vault, OAuth2Tokens tokens) {
        this.egress = egress;
        this.json = json;
        this.vault = vault;
        this.tokens = tokens;
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        ObjectNode p = node.params();
        String method = p.hasNonNull("method") ? p.get("method").asText() : "POST";
        String url = p.get("url").asText();
        Map<String, String> headers = new LinkedHashMap<>();
        if (p.hasNonNull("headers")) {
            p.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        }
        headers.putIfAbsent("User-Agent", "MedHook/0.1");
        headers.put("Idempotency-Key", context.executionId() + ":" + node.id());
        byte[] body = null;
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("DELETE")) {
            try {
                body = json.writeValueAsBytes(input);
            } catch (Exception e) {
                return Uni.createFrom().failure(new StepFailure("internal", "input cannot be serialised"));
            }
            headers.putIfAbsent("Content-Type", "application/json");
        }
        byte[] payload = body;
        Uni<EgressResponse> sent;
        if (p.hasNonNull("credentialId")) {
            sent = credential(context.workspaceId(), p.get("credentialId").asText())
                    .chain(c -> sendWith(c, method, url, headers, payload, true));
        } else {
            sent = send(method, url, headers, payload);
        }
        return sent.map(resp -> {
            ObjectNode out = json.createObjectNode();
            out.put("status", resp.status());
            String ct = resp.headers().getOrDefault("content-type", "");
            JsonNode parsed = null;
            if (ct.contains("json") && resp.body().length > 0) {
                try {
                    parsed = json.readTree(resp.body());
                } catch (Exception ignored) {
                    parsed = null;
                }
            }
            out.set("body", parsed != null ? parsed
                    : json.getNodeFactory().textNode(new String(resp.body(), StandardCharsets.UTF_8)));
            if (resp.status() < 200 || resp.status() > 299) {
                throw new StepFailure("http_error", "the destination answered " + resp.status());
            }
            return out;
        });
    }

    private Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body) {
        return send(method, url, headers, body, java.util.Set.of());
    }

    /** {@code originBound}: the credential's header, never sent on to another origin after a redirect. */
    private Uni<EgressResponse> send(String method, String url, Map<String, String> headers, byte[] body,
            java.util.Set<String> originBound) {
        return egress.send(method, url, headers, body, originBound)
                .onFailure(EgressException.class)
                .transform(e -> new StepFailure(((EgressException) e).type(), e.getMessage()));
    }

    /** The credential of the workspace, or a {@code credential_error} step failure that names no value. */
    private Uni<ResolvedCredential> credential(UUID workspaceId, String id) {
        UUID credentialId;
        try {
            credentialId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new StepFailure("credential_error", "credentialId is not a UUID"));
        }
        return vault.resolve(workspaceId, credentialId).onFailure().transform(f -> {
            if (f instanceof MedhookException m && m.kind() == io.medhook.common.problem.ErrorKind.NOT_FOUND) {
                return new StepFailure("credential_error", "credential " + credentialId + " does not exist");
            }
            return new StepFailure("credential_error", "credential " + credentialId + " cannot be used");
        }).invoke(c -> {
            if (!USABLE.contains(c.type())) {
                throw new StepFailure("credential_error",
                        "credential " + credentialId + " is of type " + c.type().id() + ", which http nodes cannot use");
            }
        });
    }

    /** The credential types an {@code http} node can apply. */
    public static final java.util.Set<CredentialType> USABLE = java.util.Set.of(CredentialType.HTTP_BASIC,
            CredentialType.BEARER, CredentialType.API_KEY_HEADER, CredentialType.OAUTH2_CLIENT_CREDENTIALS);

    Uni<EgressResponse> sendWith(ResolvedCredential c, String method, String url, Map<String, String> declared,
            byte[] body, boolean mayRetry) {
        Uni<Map.Entry<String, String>> header = switch (c.type()) {
            case HTTP_BASIC -> Uni.createFrom().item(Map.entry("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((c.value("username") + ":" + c.value("password"))
                            .getBytes(StandardCharsets.UTF_8))));
            case BEARER -> Uni.createFrom().item(Map.entry("Authorization", "Bearer " + c.value("token")));
            case API_KEY_HEADER -> Uni.createFrom().item(Map.entry(c.value("header"), c.value("value")));
            case OAUTH2_CLIENT_CREDENTIALS -> tokens.token(c).map(t -> Map.entry("Authorization", "Bearer " + t));
            default -> Uni.createFrom().failure(new StepFailure("credential_error", "unusable credential type"));
        };
        return header.chain(h -> {
            Map<String, String> headers = new LinkedHashMap<>();
            String name = h.getKey().toLowerCase(Locale.ROOT);
            declared.forEach((k, v) -> {
                if (!k.toLowerCase(Locale.ROOT).equals(name)) {
                    headers.put(k, v);
                }
            });
            headers.put(h.getKey(), h.getValue());
            return send(method, url, headers, body, java.util.Set.of(h.getKey())).chain(resp -> {
                if (resp.status() == 401 && mayRetry && c.type() == CredentialType.OAUTH2_CLIENT_CREDENTIALS) {
                    tokens.invalidate(c, h.getValue().substring("Bearer ".length()));
                    return sendWith(c, method, url, declared, body, false);
                }
                return Uni.createFrom().item(resp);
            });
        });
    }
}
