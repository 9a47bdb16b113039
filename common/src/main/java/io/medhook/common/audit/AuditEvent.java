package io.medhook.common.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.medhook.common.Ids;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * One audit event as producers emit it and audit-service ingests it. {@code change} holds {@code before} and/or
 * {@code after} maps in which secret and PHI fields are already masked: build it with {@link AuditChange} from snapshots
 * whose sensitive components are declared {@link Sensitive}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(UUID id, Instant occurredAt, Actor actor, String action, Resource resource,
        String workspaceId, Outcome outcome, String requestId, String sourceAddress, String userAgent,
        Map<String, Object> change) {

    public enum Outcome {
        success, failure, denied
    }

    /** Who acted: {@code type} is user, service, api-key, system or anonymous. */
    public record Actor(String type, String id, String name) {
        public static Actor system(String name) {
            return new Actor("system", name, name);
        }
    }

    public record Resource(String type, String id) {
    }

    public static AuditEvent of(AuditContext ctx, String action, String resourceType, String resourceId,
            String workspaceId, Outcome outcome, Map<String, Object> change) {
        return new AuditEvent(Ids.uuidV7(), Instant.now().truncatedTo(ChronoUnit.MICROS), ctx.actor(), action,
                new Resource(resourceType, resourceId), workspaceId, outcome, ctx.requestId(), ctx.sourceAddress(),
                ctx.userAgent(), change);
    }
}
