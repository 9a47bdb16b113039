package io.medhook.audit.event;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.UUID;

/**
 * One audit event as the query API shows it. Absent values are {@code null}, so every item has the same shape.
 *
 * @param change the change object as stored (canonical JSON), or null
 * @param hash this event's link in the hash chain
 */
public record AuditEventView(long seq, UUID id, Instant occurredAt, String action, Actor actor, Resource resource,
        String workspaceId, String outcome, String requestId, String sourceAddress, String userAgent,
        @JsonRawValue String change, String hash) {

    public record Actor(String type, String id, String name) {
    }

    public record Resource(String type, String id) {
    }

    static AuditEventView of(StoredEvent e) {
        Resource resource = e.resourceType() == null && e.resourceId() == null ? null
                : new Resource(e.resourceType(), e.resourceId());
        return new AuditEventView(e.seq(), e.id(), e.occurredAt(), e.action(),
                new Actor(e.actorType(), e.actorId(), e.actorName()), resource, e.workspaceId(), e.outcome(),
                e.requestId(), e.sourceAddress(), e.userAgent(), e.change(), e.hash());
    }
}
