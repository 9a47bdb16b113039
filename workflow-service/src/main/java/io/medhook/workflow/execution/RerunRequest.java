package io.medhook.workflow.execution;

/** A re-run: {@code from} is {@code start} (run every step again) or {@code failed-step} (keep succeeded steps). */
public record RerunRequest(String from) {
}
