package io.medhook.workflow.delivery;

import com.fasterxml.jackson.databind.JsonNode;

/** A message to deliver to every enabled endpoint subscribed to {@code eventType}: {@code data} is the payload. */
public record MessageRequest(String eventType, JsonNode data) {
}
