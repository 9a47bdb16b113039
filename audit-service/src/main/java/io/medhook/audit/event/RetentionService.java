package io.medhook.audit.event;

import io.medhook.audit.AuditConfig;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Retention: removes the oldest events, always as a prefix of the chain, so the rest stays verifiable from the
 * anchor (the last removed event's seq and hash, backed by a signed checkpoint made before the removal). The prefix
 * ends before the first event younger than the retention period and before the first event of a workspace under
 * legal hold (a hold therefore also keeps younger events of other workspaces: the chain cannot have holes). Each run is
 * recorded as an {@code audit.retention} event.
 * <p>
 * The removal itself runs under the retention role ({@code retention} pool), the only role that may call
 * {@code audit_prune()}; the function also refuses, whoever calls it, to prune without a signed checkpoint at the new
 * anchor or to prune a held workspace's events (README, "Database roles").
 */
@ApplicationScoped
public class RetentionService {

    private static final Logger LOG = Logger.getLogger(RetentionService.class);

    /** What a run did. {@code prunedThroughSeq}: the anchor after the run (0: nothing was ever pruned). */
    public record Report(long removed, long prunedThroughSeq, Instant cutoff, List<String> heldWorkspaces) {
    }

    record Anchor(long seq, String hash) {
    }

    private final AuditEventRepository repository;
    private final CheckpointService checkpoints;
    private final AuditIngestService ingest;
    private final AuditConfig config;
    private final Vertx vertx;
    private final Pool retentionPool;
    private long timer = -1;

    public RetentionService(AuditEventRepository repository, CheckpointService checkpoints, AuditIngestService ingest,
            AuditConfig config, Vertx vertx, @ReactiveDataSource("retention") Pool retentionPool) {
        this.repository = repository;
        this.retentionPool = retentionPool;
        this.checkpoints = checkpoints;
        this.ingest = ingest;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        if (!config.retention().enabled()) {
            return;
        }
        long ms = config.retention().interval().toMillis();
        timer = vertx.setPeriodic(ms, ms, id -> run(AuditContext.system("audit-retention")).subscribe().with(
                r -> LOG.infof("retention: removed %d events, chain now starts after seq %d", r.removed(),
                        r.prunedThroughSeq()),
                f -> LOG.warnf("retention run failed: %s", f.getClass().getSimpleName())));
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    public Uni<Report> run(AuditContext audit) {
        return run(Instant.now().minus(config.retention().period()), audit);
    }

    /** Prunes events older than {@code cutoff} (package-private for tests that cannot wait 90 days). */
    Uni<Report> run(Instant cutoff, AuditContext audit) {
        return anchor().chain(anchor -> holds().chain(held -> pruneLimit(cutoff).chain(limit -> {
            if (limit <= anchor.seq()) {
                return Uni.createFrom().item(new Report(0, anchor.seq(), cutoff, held));
            }
            return repository.hashAt(limit)
                    .chain(hash -> checkpoints.at(limit, hash))
                    .chain(cp -> retentionPool.withTransaction(tx -> tx.preparedQuery("select audit_prune($1) as n")
                            .execute(Tuple.of(limit))).map(rows -> rows.iterator().next().getLong("n")))
                    .map(n -> new Report(n, limit, cutoff, held));
        }))).call(r -> {
            Map<String, Object> after = new LinkedHashMap<>();
            after.put("removed", r.removed());
            after.put("prunedThroughSeq", r.prunedThroughSeq());
            after.put("cutoff", r.cutoff().toString());
            after.put("heldWorkspaces", r.heldWorkspaces());
            return ingest.ingest(new IngestBatchRequest(List.of(AuditEvent.of(audit, "audit.retention", "audit-log",
                    "all", null, AuditEvent.Outcome.success, Map.of("after", after)))));
        });
    }

    /**
     * The last seq that may go: before the first event at or after the cutoff, and before the first event of a held
     * workspace.
     */
    private Uni<Long> pruneLimit(Instant cutoff) {
        return repository.pool().preparedQuery("""
                select least(
                    coalesce((select min(seq) from audit_event where occurred_at >= $1),
                             (select seq from chain_head where id = 1) + 1),
                    coalesce((select min(e.seq) from audit_event e join legal_hold h on h.workspace_id = e.workspace_id),
                             (select seq from chain_head where id = 1) + 1)) - 1 as upto""")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC)))
                .map(rows -> rows.iterator().next().getLong("upto"));
    }

    Uni<Anchor> anchor() {
        return repository.pool().query("select seq, hash from chain_anchor where id = 1").execute()
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new Anchor(r.getLong("seq"), r.getString("hash"));
                });
    }

    private Uni<List<String>> holds() {
        return repository.pool().query("select workspace_id from legal_hold order by workspace_id").execute()
                .map(rows -> {
                    List<String> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(r.getString("workspace_id")));
                    return List.copyOf(out);
                });
    }

    public Uni<List<Map<String, Object>>> listHolds() {
        return repository.pool().query("select * from legal_hold order by created_at").execute().map(rows -> {
            List<Map<String, Object>> out = new java.util.ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workspaceId", r.getString("workspace_id"));
                m.put("reason", r.getString("reason"));
                m.put("createdBy", r.getString("created_by"));
                m.put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString());
                out.add(m);
            }
            return out;
        });
    }

    /** Places (or updates) a hold; recorded as {@code audit.legal-hold.set}. */
    public Uni<Void> hold(String workspaceId, String reason, AuditContext audit) {
        return repository.pool().preparedQuery("""
                insert into legal_hold (workspace_id, reason, created_by, created_at) values ($1, $2, $3, now())
                on conflict (workspace_id) do update set reason = excluded.reason""")
                .execute(Tuple.of(workspaceId, reason, audit.actor() == null ? null : audit.actor().id()))
                .chain(() -> ingest.ingest(new IngestBatchRequest(List.of(AuditEvent.of(audit,
                        "audit.legal-hold.set", "legal-hold", workspaceId, workspaceId, AuditEvent.Outcome.success,
                        Map.of("after", Map.of("reason", reason)))))))
                .replaceWithVoid();
    }

    /** Releases a hold; recorded as {@code audit.legal-hold.release}. False when there was none. */
    public Uni<Boolean> release(String workspaceId, AuditContext audit) {
        return repository.pool().preparedQuery("delete from legal_hold where workspace_id = $1 returning reason")
                .execute(Tuple.of(workspaceId)).chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    return ingest.ingest(new IngestBatchRequest(List.of(AuditEvent.of(audit,
                            "audit.legal-hold.release", "legal-hold", workspaceId, workspaceId,
                            AuditEvent.Outcome.success, Map.of("before", Map.of("reason",
                                    rows.iterator().next().getString("reason"))))))).replaceWith(true);
                });
    }
}
