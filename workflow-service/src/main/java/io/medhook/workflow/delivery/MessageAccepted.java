package io.medhook.workflow.delivery;

import java.util.List;

/** The stored deliveries of a message (one per subscribed endpoint), all with the same {@code webhook-id}. */
public record MessageAccepted(String msgId, List<String> deliveryIds) {
}
