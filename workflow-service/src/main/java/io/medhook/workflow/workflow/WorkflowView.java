package io.medhook.workflow.workflow;

import io.medhook.workflow.definition.EdgeDefinition;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.definition.TriggerDefinition;
import java.time.Instant;
import java.util.List;

/** A workflow with its current version's definition and its webhook URL (a capability: keep it secret). */
public record WorkflowView(String id, String workspaceId, String name, int version, boolean active,
        String webhookUrl, TriggerDefinition trigger, List<NodeDefinition> nodes, List<EdgeDefinition> edges,
        Instant createdAt, Instant updatedAt) {
}
