package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.sandbox.SandboxClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** {@code code}: the script runs in sandbox-service; what it returns is the node's output. */
@ApplicationScoped
public class CodeNodeRunner implements NodeRunner {

    private final SandboxClient sandbox;

    public CodeNodeRunner(SandboxClient sandbox) {
        this.sandbox = sandbox;
    }

    @Override
    public String type() {
        return "code";
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        return sandbox.run(node.params().get("source").asText(), input)
                .onFailure().transform(e -> new StepFailure("sandbox_unavailable",
                        "sandbox-service could not run the script"))
                .map(result -> {
                    if (!result.succeeded()) {
                        String type = result.error() == null || result.error().type() == null ? "script_error"
                                : result.error().type();
                        String message = result.error() == null ? "the script failed" : result.error().message();
                        throw new StepFailure(type, message);
                    }
                    return result.output() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
                            : result.output();
                });
    }
}
