package io.medhook.workflow.delivery;

import java.time.Instant;

/** Redelivers every failed delivery of an endpoint that failed at or after {@code since}. */
public record RedeliverRequest(Instant since) {
}
