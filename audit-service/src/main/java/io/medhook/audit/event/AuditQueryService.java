package io.medhook.audit.event;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import java.util.LinkedHashMap;
import java.util.Map;

import io.medhook.audit.AuditConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Lists events newest first (by seq) for the caller's read scope, with keyset pagination: the cursor is the seq of the
 * last event of the previous page, base64url-encoded so that clients treat it as opaque.
 */
@ApplicationScoped
public class AuditQueryService {

    private final AuditIngestService ingest;

    private final AuditEventRepository repository;
    private final AuditAccess access;
    private final AuditConfig config;

    public AuditQueryService(AuditEventRepository repository, AuditAccess access, AuditConfig config,
            AuditIngestService ingest) {
        this.ingest = ingest;
        this.repository = repository;
        this.access = access;
        this.config = config;
    }

    /**
     * One page of events. The read itself is recorded as an {@code audit.read} event (resource {@code audit-log}, id the
     * workspace asked for or {@code all}; the filters in its change) once the page is read.
     */
    public Uni<AuditEventPage> list(SecurityIdentity identity, ListEventsParams params, AuditContext audit) {
        String workspaceId = emptyToNull(params.workspaceId());
        AuditAccess.ReadScope scope = access.readScope(identity, workspaceId);
        int limit = limit(params.limit());
        Instant from = instant("from", params.from());
        Instant to = instant("to", params.to());
        AuditEventRepository.EventQuery q = new AuditEventRepository.EventQuery(cursor(params.cursor()),
                scope.everything() ? null : scope.workspaces(), workspaceId, emptyToNull(params.action()),
                emptyToNull(params.actorId()), emptyToNull(params.resourceType()), emptyToNull(params.resourceId()),
                from == null ? null : from.atOffset(ZoneOffset.UTC), to == null ? null : to.atOffset(ZoneOffset.UTC),
                limit + 1);
        return repository.find(q).map(rows -> {
            boolean more = rows.size() > limit;
            List<AuditEventView> items = new ArrayList<>(Math.min(rows.size(), limit));
            for (int i = 0; i < Math.min(rows.size(), limit); i++) {
                items.add(AuditEventView.of(rows.get(i)));
            }
            String next = more ? encodeCursor(items.get(items.size() - 1).seq()) : null;
            return new AuditEventPage(items, next);
        }).call(page -> ingest.ingest(new IngestBatchRequest(List.of(readEvent(audit, workspaceId, params,
                page.items().size())))));
    }

    private static AuditEvent readEvent(AuditContext audit, String workspaceId, ListEventsParams p, int returned) {
        Map<String, Object> query = new LinkedHashMap<>();
        putIfPresent(query, "action", p.action());
        putIfPresent(query, "actorId", p.actorId());
        putIfPresent(query, "resourceType", p.resourceType());
        putIfPresent(query, "resourceId", p.resourceId());
        putIfPresent(query, "from", p.from());
        putIfPresent(query, "to", p.to());
        query.put("returned", returned);
        return AuditEvent.of(audit, "audit.read", "audit-log", workspaceId == null ? "all" : workspaceId, null,
                AuditEvent.Outcome.success, Map.of("after", query));
    }

    private static void putIfPresent(Map<String, Object> m, String key, String value) {
        if (value != null && !value.isEmpty()) {
            m.put(key, value);
        }
    }

    static String encodeCursor(long seq) {
        byte[] plain = Long.toString(seq).getBytes(StandardCharsets.UTF_8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain);
    }

    private static Long cursor(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            long seq = Long.parseLong(new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8));
            if (seq < 1) {
                throw new NumberFormatException();
            }
            return seq;
        } catch (IllegalArgumentException e) {
            throw badParameter("cursor", "is not a cursor this service issued");
        }
    }

    private int limit(String raw) {
        if (raw == null || raw.isEmpty()) {
            return config.query().defaultLimit();
        }
        int max = config.query().maxLimit();
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw badParameter("limit", "must be a whole number from 1 to " + max);
    }

    private static Instant instant(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw badParameter(name, "must be an ISO-8601 instant such as 2025-01-31T12:00:00Z");
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** A sequence-number query parameter ({@code fromSeq}, {@code toSeq}): null when absent, else a whole number ≥ 1. */
    static Long seqParameter(String name, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            long v = Long.parseLong(raw.strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw badParameter(name, "must be a positive whole number");
    }

    static MedhookException badParameter(String name, String problem) {
        return new MedhookException(ErrorKind.BAD_REQUEST, "Query parameter '" + name + "' " + problem,
                Map.of("parameter", name));
    }
}
