package io.medhook.audit.event;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of {@code audit_event}, exactly as stored and hashed. Stays inside the service layer; the API shows
 * {@link AuditEventView}.
 *
 * @param occurredAt truncated to microseconds, as PostgreSQL keeps it
 * @param change canonical JSON text of the change object, or null
 */
record StoredEvent(long seq, UUID id, Instant occurredAt, String actorType, String actorId, String actorName,
        String action, String resourceType, String resourceId, String workspaceId, String outcome, String requestId,
        String sourceAddress, String userAgent, String change, String prevHash, String hash) {
}
