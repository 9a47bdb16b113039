package io.medhook.workflow.definition;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One step of a workflow: {@code code} (JavaScript in sandbox-service) or {@code http} (an outbound request). */
public record NodeDefinition(String id, String type, ObjectNode params) {
}
