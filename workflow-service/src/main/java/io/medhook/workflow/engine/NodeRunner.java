package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/** Runs one node type. Fails with {@link StepFailure} when the node produced no output. */
public interface NodeRunner {

    /**
     * The execution a step belongs to: its id (idempotency keys) and workspace (credentials); the outputs recorded so
     * far, keyed by step id (including loop items {@code <loop>#<index>}), and a way to record a loop item's output.
     */
    record StepContext(UUID executionId, UUID workspaceId, Map<String, JsonNode> recorded,
            BiFunction<String, JsonNode, Uni<Void>> recordItem) {

        public StepContext(UUID executionId, UUID workspaceId) {
            this(executionId, workspaceId, Map.of(), (id, out) -> Uni.createFrom().voidItem());
        }
    }

    String type();

    Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context);
}
