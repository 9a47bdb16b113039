package io.medhook.audit.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.audit.AuditConfig;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams exports of the audit log as NDJSON or CSV, page by page (never the whole range in memory), and builds their
 * manifests. An owner exports the whole chain (contiguous: an offline check re-links every event); admins and auditors
 * export one workspace (each event's own hash is checkable; links skip other workspaces' events). Each export is
 * recorded as an {@code audit.export} event before its first byte is sent.
 */
@ApplicationScoped
public class ExportService {

    public static final String FORMAT = "medhook-audit-export/1";
    static final List<String> CSV_COLUMNS = List.of("seq", "id", "occurred_at", "actor_type", "actor_id",
            "actor_name", "action", "resource_type", "resource_id", "workspace_id", "outcome", "request_id",
            "source_address", "user_agent", "change", "prev_hash", "hash");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Pages read ahead of the one being written: bounds an export's memory to a few pages. */
    private static final int PAGES_AHEAD = 2;

    /** What an export covers, resolved once so the stream and its manifest describe the same events. */
    public record Range(String workspaceId, long fromSeq, long toSeq) {
        boolean contiguous() {
            return workspaceId == null;
        }
    }

    private final AuditEventRepository repository;
    private final RetentionService retention;
    private final AuditAccess access;
    private final CheckpointService checkpoints;
    private final CheckpointSigner signer;
    private final AuditIngestService ingest;
    private final AuditConfig config;

    public ExportService(AuditEventRepository repository, AuditAccess access, CheckpointService checkpoints,
            CheckpointSigner signer, AuditIngestService ingest, AuditConfig config, RetentionService retention) {
        this.retention = retention;
        this.repository = repository;
        this.access = access;
        this.checkpoints = checkpoints;
        this.signer = signer;
        this.ingest = ingest;
        this.config = config;
    }

    /**
     * Authorises and resolves an export: {@code toSeq} defaults to the current head (events appended later are not in
     * it, so a repeated request with the answered bounds streams the same events).
     */
    public Uni<Range> resolve(SecurityIdentity identity, String workspaceId, String fromSeq, String toSeq,
            String format, AuditContext audit) {
        AuditAccess.ReadScope scope = access.readScope(identity, blank(workspaceId) ? null : workspaceId);
        if (!scope.everything() && blank(workspaceId)) {
            throw AuditQueryService.badParameter("workspaceId",
                    "is required: only the instance owner exports the whole chain");
        }
        Long given = AuditQueryService.seqParameter("fromSeq", fromSeq);
        long from = given == null ? 1 : given;
        Long to = AuditQueryService.seqParameter("toSeq", toSeq);
        if (to != null && to < from) {
            throw AuditQueryService.badParameter("toSeq", "must not be smaller than fromSeq");
        }
        String ws = blank(workspaceId) ? null : workspaceId;
        return repository.head().chain(head -> {
            Range r = new Range(ws, from, to == null ? head.seq() : Math.min(to, head.seq()));
            Map<String, Object> after = new LinkedHashMap<>();
            after.put("format", format);
            after.put("fromSeq", r.fromSeq());
            after.put("toSeq", r.toSeq());
            AuditEvent event = AuditEvent.of(audit, "audit.export", "audit-log", ws == null ? "chain" : ws, ws,
                    AuditEvent.Outcome.success, Map.of("after", after));
            return ingest.ingest(new IngestBatchRequest(List.of(event))).replaceWith(r);
        });
    }

    /** The events of {@code r} in seq order, one page at a time. */
    Multi<StoredEvent> events(Range r) {
        return pages(r).onItem().transformToIterable(p -> p);
    }

    /** The pages of {@code r} in seq order, none empty. */
    private Multi<List<StoredEvent>> pages(Range r) {
        int pageSize = config.export().pageSize();
        AtomicLong after = new AtomicLong(r.fromSeq() - 1);
        return Multi.createBy().repeating()
                .uni(() -> page(r, after.get(), pageSize).invoke(p -> {
                    if (!p.isEmpty()) {
                        after.set(p.get(p.size() - 1).seq());
                    }
                }))
                .whilst(p -> p.size() == pageSize)
                .select().where(p -> !p.isEmpty());
    }

    private Uni<List<StoredEvent>> page(Range r, long afterSeq, int limit) {
        if (r.contiguous()) {
            return repository.chainPage(afterSeq, r.toSeq(), limit);
        }
        return repository.workspacePage(r.workspaceId(), afterSeq, r.toSeq(), limit);
    }

    /**
     * NDJSON: one line per event, a page of lines per item written (not one write per event), then the manifest. The
     * lines are written on a worker thread, so the next page is read and decoded on the event loop meanwhile; at most
     * {@link #PAGES_AHEAD} pages wait for the writer.
     */
    public Multi<String> ndjson(Range r) {
        return pages(r).emitOn(Infrastructure.getDefaultWorkerPool(), PAGES_AHEAD).map(ExportService::ndjsonLines)
                .onCompletion().switchTo(() -> manifest(r).map(m -> json(Map.of("manifest", m)) + "\n").toMulti());
    }

    public Multi<String> csv(Range r) {
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().item(String.join(",", CSV_COLUMNS) + "\r\n"),
                pages(r).emitOn(Infrastructure.getDefaultWorkerPool(), PAGES_AHEAD).map(p -> {
                    StringBuilder sb = new StringBuilder(p.size() * 640);
                    for (StoredEvent e : p) {
                        sb.append(csvRow(e));
                    }
                    return sb.toString();
                }));
    }

    /**
     * The manifest of {@code r}: count, first and last seq, the chain hashes at both ends (the previous hash of the
     * first event, the hash of the last), and a signed checkpoint of the chain at {@code toSeq}.
     */
    public Uni<Map<String, Object>> manifest(Range r) {
        String sql = "select count(*) as n, min(seq) as first, max(seq) as last from audit_event where seq >= $1 and seq <= $2"
                + (r.contiguous() ? "" : " and workspace_id = $3");
        Tuple args = r.contiguous() ? Tuple.of(r.fromSeq(), r.toSeq()) : Tuple.of(r.fromSeq(), r.toSeq(), r.workspaceId());
        return repository.pool().preparedQuery(sql).execute(args).chain(rows -> {
            var row = rows.iterator().next();
            long count = row.getLong("n");
            Long first = row.getLong("first");
            Long last = row.getLong("last");
            // the hash before the first event: the anchor's when retention removed everything before it
            Uni<String> firstPrev = first == null ? Uni.createFrom().nullItem()
                    : retention.anchor().chain(a -> a.seq() == first - 1 ? Uni.createFrom().item(a.hash())
                            : repository.hashAt(first - 1));
            Uni<String> lastHash = last == null ? Uni.createFrom().nullItem() : repository.hashAt(last);
            Uni<Checkpoint> anchor = r.toSeq() < 1 ? Uni.createFrom().nullItem()
                    : repository.hashAt(r.toSeq()).chain(h -> h == null ? Uni.createFrom().nullItem()
                            : checkpoints.at(r.toSeq(), h));
            return Uni.combine().all().unis(firstPrev, lastHash, anchor).with((fp, lh, cp) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("format", FORMAT);
                m.put("scope", r.contiguous() ? "chain" : "workspace");
                if (!r.contiguous()) {
                    m.put("workspaceId", r.workspaceId());
                }
                m.put("fromSeq", r.fromSeq());
                m.put("toSeq", r.toSeq());
                m.put("count", count);
                m.put("firstSeq", first);
                m.put("lastSeq", last);
                m.put("firstPrevHash", fp);
                m.put("lastHash", lh);
                m.put("checkpoint", cp);
                m.put("publicKeyId", signer.keyId());
                m.put("generatedAt", Instant.now().toString());
                return m;
            });
        });
    }

    /** One event as an NDJSON line: every stored column; {@code change} as the exact canonical text that was hashed. */
    static String line(StoredEvent e) {
        return ndjsonLines(List.of(e)).stripTrailing();
    }

    /**
     * Events as NDJSON lines, each ending in a line feed. Written with a streaming generator of the same ObjectMapper,
     * member by member in the order a map of the columns would have (nulls written as null), so the text equals
     * {@code JSON.writeValueAsString} of such a map without building one per event.
     */
    static String ndjsonLines(List<StoredEvent> events) {
        StringWriter out = new StringWriter(events.size() * 700);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.setRootValueSeparator(null); // the line feed below separates the objects, no space before them
            for (StoredEvent e : events) {
                g.writeStartObject();
                g.writeNumberField("seq", e.seq());
                g.writeStringField("id", e.id().toString());
                g.writeStringField("occurredAt", ChainHash.OCCURRED_AT.format(e.occurredAt()));
                g.writeStringField("actorType", e.actorType());
                g.writeStringField("actorId", e.actorId());
                g.writeStringField("actorName", e.actorName());
                g.writeStringField("action", e.action());
                g.writeStringField("resourceType", e.resourceType());
                g.writeStringField("resourceId", e.resourceId());
                g.writeStringField("workspaceId", e.workspaceId());
                g.writeStringField("outcome", e.outcome());
                g.writeStringField("requestId", e.requestId());
                g.writeStringField("sourceAddress", e.sourceAddress());
                g.writeStringField("userAgent", e.userAgent());
                g.writeStringField("change", e.change());
                g.writeStringField("prevHash", e.prevHash());
                g.writeStringField("hash", e.hash());
                g.writeEndObject();
                g.writeRaw('\n');
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString();
    }

    static String csvRow(StoredEvent e) {
        List<String> cells = new ArrayList<>(List.of(String.valueOf(e.seq()), e.id().toString(),
                ChainHash.OCCURRED_AT.format(e.occurredAt())));
        for (String v : new String[] {e.actorType(), e.actorId(), e.actorName(), e.action(), e.resourceType(),
                e.resourceId(), e.workspaceId(), e.outcome(), e.requestId(), e.sourceAddress(), e.userAgent(),
                e.change(), e.prevHash(), e.hash()}) {
            cells.add(v);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String v = cells.get(i);
            if (v != null) {
                // RFC 4180: every value quoted, quotes doubled; null stays an empty, unquoted cell
                sb.append('"').append(v.replace("\"", "\"\"")).append('"');
            }
        }
        return sb.append("\r\n").toString();
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

}
