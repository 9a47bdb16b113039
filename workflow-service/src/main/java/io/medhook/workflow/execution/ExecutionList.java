package io.medhook.workflow.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;
import java.util.List;

/** A page of executions, newest first: status and times only, never payloads. {@code nextCursor} is opaque. */
public record ExecutionList(List<Item> items, String nextCursor) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String id, String workflowId, int workflowVersion, String status, String trigger,
            String errorType, String rerunOf, Boolean cancelRequested, OffsetDateTime createdAt,
            OffsetDateTime startedAt, OffsetDateTime finishedAt, String parentExecutionId) {
    }
}
