package io.medhook.workflow.execution;

/**
 * What the audit trail keeps of an execution ({@code execution.create}, {@code execution.finish}, through
 * {@code AuditChange}): where it comes from and its status. Its payloads (PHI) are never part of it; {@code bytes} is
 * the size of the request that started it, kept for capacity and abuse review.
 */
public record ExecutionAudit(String workflowId, int version, String trigger, Integer bytes, String status,
        String errorType) {
}
