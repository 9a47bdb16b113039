package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a user saves: a trigger and a DAG of nodes, and optional {@link WorkflowSettings}. Stored as JSON in an
 * immutable workflow version.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record WorkflowDefinition(String name, TriggerDefinition trigger, List<NodeDefinition> nodes,
        List<EdgeDefinition> edges, @JsonInclude(JsonInclude.Include.NON_NULL) WorkflowSettings settings) {

    public WorkflowDefinition(String name, TriggerDefinition trigger, List<NodeDefinition> nodes,
            List<EdgeDefinition> edges) {
        this(name, trigger, nodes, edges, null);
    }

    public List<EdgeDefinition> edgesOrEmpty() {
        return edges == null ? List.of() : edges;
    }
}
