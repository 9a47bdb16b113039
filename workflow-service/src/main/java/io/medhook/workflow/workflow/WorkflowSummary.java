package io.medhook.workflow.workflow;

import java.time.Instant;

public record WorkflowSummary(String id, String name, int version, boolean active, Instant createdAt,
        Instant updatedAt) {
}
