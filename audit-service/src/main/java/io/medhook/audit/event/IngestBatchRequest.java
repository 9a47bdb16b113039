package io.medhook.audit.event;

import io.medhook.common.audit.AuditEvent;
import java.util.List;

/** Body of {@code POST /api/v1/audit/events/batch}: events exactly as {@code AuditJson.write} produces them. */
public record IngestBatchRequest(List<AuditEvent> events) {
}
