package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a user saves: a trigger, a DAG of nodes and optional {@code settings} ({@code timeoutSeconds},
 * {@code maxConcurrency}, {@code payloads}; checked by {@link WorkflowValidator}). Stored as JSON in an immutable workflow version.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowDefinition(String name, TriggerDefinition trigger, List<NodeDefinition> nodes,
        List<EdgeDefinition> edges, JsonNode settings) {

    public WorkflowDefinition(String name, TriggerDefinition trigger, List<NodeDefinition> nodes,
            List<EdgeDefinition> edges) {
        this(name, trigger, nodes, edges, null);
    }

    public List<EdgeDefinition> edgesOrEmpty() {
        return edges == null ? List.of() : edges;
    }
}
