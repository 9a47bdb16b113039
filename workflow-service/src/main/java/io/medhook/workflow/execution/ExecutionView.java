package io.medhook.workflow.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * An execution and its steps; {@code rerunOf} names the execution it repeats, {@code cancelRequested} is set while a
 * running execution is being stopped. {@code input} and step outputs/messages are payload (PHI): present for editors and
 * admins only, and each such read is audited. {@code payloads} is {@code discarded} (the workflow's payload policy
 * did not keep them after the end) or {@code purged} (retention removed them) when they are gone; absent otherwise.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExecutionView(String id, String workflowId, int workflowVersion, String status, String trigger,
        ErrorView error, int attempts, JsonNode input, List<StepView> steps, OffsetDateTime createdAt,
        OffsetDateTime startedAt, OffsetDateTime finishedAt, String rerunOf, Boolean cancelRequested,
        String payloads, String parentExecutionId) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorView(String type, String message) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepView(String nodeId, String status, JsonNode output, ErrorView error, int attempts,
            OffsetDateTime startedAt, OffsetDateTime finishedAt) {
    }
}
