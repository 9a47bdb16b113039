package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.delivery.DeliveryService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * A {@code webhook} node: stores a signed delivery of its input to the endpoint it names
 * ({@code params.endpointId}, optional {@code params.eventType}); the dispatcher sends it (with retries) apart from the
 * execution, which goes on at once. The step's output names the delivery ({@code deliveryId}, {@code msgId}). The
 * delivery's ids derive from execution and node, so a step run again after a crash stores no second delivery.
 */
@ApplicationScoped
public class WebhookNodeRunner implements NodeRunner {

    private final DeliveryService deliveries;
    private final ObjectMapper json;

    public WebhookNodeRunner(DeliveryService deliveries, ObjectMapper json) {
        this.deliveries = deliveries;
        this.json = json;
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        UUID endpointId = UUID.fromString(node.params().path("endpointId").asText());
        JsonNode type = node.params().get("eventType");
        return deliveries.enqueueForNode(context.workspaceId(), endpointId,
                type == null || type.isNull() ? null : type.asText(), input, context.executionId(), node.id())
                .map(d -> {
                    ObjectNode out = json.createObjectNode();
                    out.put("deliveryId", d.id().toString());
                    out.put("msgId", d.msgId());
                    out.put("endpointId", endpointId.toString());
                    return (JsonNode) out;
                })
                .onFailure(e -> e instanceof MedhookException m && m.kind() == ErrorKind.NOT_FOUND)
                .transform(e -> new StepFailure("invalid_params",
                        "the webhook endpoint no longer exists in this workspace"));
    }
}
