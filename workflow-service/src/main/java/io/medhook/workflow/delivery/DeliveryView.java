package io.medhook.workflow.delivery;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A delivery as the API shows it: ids, event type, state, times; never the body. {@code attemptLog} is present on the
 * single-delivery read only.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryView(String id, String endpointId, String msgId, String eventType, String status, int attempts,
        Instant nextAttemptAt, Instant createdAt, Instant lastAttemptAt, Instant finishedAt, String executionId,
        List<AttemptView> attemptLog) {

    /**
     * One attempt: when, the status code (null without an answer), latency, the first bytes of the response body,
     * the error type (null on a 2xx), and whether it was {@code scheduled} or a {@code redelivery}.
     */
    public record AttemptView(int attempt, Instant attemptedAt, Integer statusCode, int latencyMs, String responseBody,
            String errorType, String cause) {
    }
}
