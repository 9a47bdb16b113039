package io.medhook.workflow.execution;

/**
 * What the audit trail keeps of a change to an execution's course ({@code execution.cancel}, {@code execution.rerun},
 * through {@code AuditChange}): status, and for a re-run the execution it repeats and from where. No payloads.
 *
 * @param rerunOf the execution a re-run repeats
 * @param mode {@code start} or {@code failed-step}
 * @param copiedSteps how many succeeded steps a re-run from the failed step took over
 */
public record ExecutionLifecycleAudit(String workflowId, int version, String status, Boolean cancelRequested,
        String rerunOf, String mode, Integer copiedSteps) {
}
