package io.medhook.audit.event;

/** Query parameters of {@code GET /api/v1/audit/events} as sent; {@link AuditQueryService} parses them. */
public record ListEventsParams(String limit, String cursor, String action, String workspaceId, String actorId,
        String resourceType, String resourceId, String from, String to) {
}
