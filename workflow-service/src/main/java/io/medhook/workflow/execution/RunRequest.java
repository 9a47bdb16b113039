package io.medhook.workflow.execution;

import com.fasterxml.jackson.databind.JsonNode;

/** A manual run: {@code input} (any JSON) reaches the first nodes as {@code body}, like a webhook's body. */
public record RunRequest(JsonNode input) {
}
