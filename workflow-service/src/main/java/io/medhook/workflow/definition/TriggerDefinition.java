package io.medhook.workflow.definition;

/** How executions start. Only {@code webhook} for now. */
public record TriggerDefinition(String type) {
}
