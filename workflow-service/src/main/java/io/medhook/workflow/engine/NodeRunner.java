package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.smallrye.mutiny.Uni;
import java.util.UUID;

/** Runs one node type. Fails with {@link StepFailure} when the node produced no output. */
public interface NodeRunner {

    String type();

    Uni<JsonNode> run(NodeDefinition node, JsonNode input, UUID executionId);
}
