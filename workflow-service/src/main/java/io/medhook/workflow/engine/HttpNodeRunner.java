package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code http}: sends the node's input as the JSON body (for methods with a body) through the egress client. Output:
 * {@code {"status", "headers", "body"}} (body parsed when JSON). A non-2xx answer fails the step with {@code http_error}.
 * Every request carries {@code Idempotency-Key: <execution>:<node>} so a resumed step can be deduplicated.
 */
@ApplicationScoped
public class HttpNodeRunner implements NodeRunner {

    private final EgressClient egress;
    private final ObjectMapper json;

    public HttpNodeRunner(EgressClient egress, ObjectMapper json) {
        this.egress = egress;
        this.json = json;
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, UUID executionId) {
        ObjectNode p = node.params();
        String method = p.hasNonNull("method") ? p.get("method").asText() : "POST";
        String url = p.get("url").asText();
        Map<String, String> headers = new LinkedHashMap<>();
        if (p.hasNonNull("headers")) {
            p.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        }
        headers.putIfAbsent("User-Agent", "MedHook/0.1");
        headers.put("Idempotency-Key", executionId + ":" + node.id());
        byte[] body = null;
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("DELETE")) {
            try {
                body = json.writeValueAsBytes(input);
            } catch (Exception e) {
                return Uni.createFrom().failure(new StepFailure("internal", "input cannot be serialised"));
            }
            headers.putIfAbsent("Content-Type", "application/json");
        }
        return egress.send(method, url, headers, body)
                .onFailure(EgressException.class)
                .transform(e -> new StepFailure(((EgressException) e).type(), e.getMessage()))
                .map(resp -> {
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
}
