package io.medhook.workflow.definition;

/** The output of {@code from} becomes the input of {@code to}. */
public record EdgeDefinition(String from, String to) {
}
