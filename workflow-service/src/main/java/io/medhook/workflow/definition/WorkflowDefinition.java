package io.medhook.workflow.definition;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What a user saves: a trigger and a DAG of nodes. Stored as JSON in an immutable workflow version.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record WorkflowDefinition(String name, TriggerDefinition trigger, List<NodeDefinition> nodes,
        List<EdgeDefinition> edges) {

    public List<EdgeDefinition> edgesOrEmpty() {
        return edges == null ? List.of() : edges;
    }
}
