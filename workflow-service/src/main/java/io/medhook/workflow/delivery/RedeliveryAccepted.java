package io.medhook.workflow.delivery;

/** How many deliveries were queued again. */
public record RedeliveryAccepted(int queued) {
}
