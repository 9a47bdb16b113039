package io.medhook.workflow.execution;

/**
 * The answer to a cancellation: {@code cancelled} when the execution was still queued, {@code cancelling} when it is
 * running and will stop before its next step.
 */
public record CancelView(String executionId, String status) {
}
