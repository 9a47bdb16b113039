package io.medhook.workflow.delivery;

/**
 * What the audit trail keeps of a delivery's outcome ({@code webhook_delivery.*} events): ids, event type, status,
 * attempt count and error type. Never the body, the URL or the response.
 */
public record DeliveryAudit(String endpointId, String msgId, String eventType, String status, int attempts,
        String errorType) {
}
