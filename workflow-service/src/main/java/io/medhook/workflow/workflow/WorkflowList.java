package io.medhook.workflow.workflow;

import java.util.List;

public record WorkflowList(List<WorkflowSummary> items) {
}
