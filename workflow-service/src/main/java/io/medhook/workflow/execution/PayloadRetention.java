package io.medhook.workflow.execution;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.common.problem.SafeThrowables;
import io.medhook.workflow.WorkflowConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Retention of execution payloads. Every {@code medhook.workflow.retention.interval}, on every replica, finished
 * executions whose end is older than their workspace's retention ({@code default-days}, 30, or the workspace's
 * override) lose their input, step outputs, step and execution error messages and their wrapped data key (so even a
 * copy of the ciphertexts can no longer be opened); {@code payloads} becomes {@code purged} with
 * {@code payloads_purged_at}. Status, error types, step statuses and times stay, and so do the usage counters.
 * Batches are claimed with {@code FOR UPDATE SKIP LOCKED}, so replicas running at the same time share the work and
 * never purge a row twice. A run that purged something is audited once as {@code execution.retention}, with counts
 * only.
 */
@ApplicationScoped
public class PayloadRetention {

    /** What one run did. */
    public record Result(long executions, long steps, int workspaces) {
    }

    private static final Logger LOG = Logger.getLogger(PayloadRetention.class);

    private final ExecutionStore store;
    private final Clock clock;
    private final Vertx vertx;
    private final WorkflowConfig.Retention config;
    private final UUID[] overrideIds;
    private final Integer[] overrideDays;
    private final AtomicBoolean busy = new AtomicBoolean();
    private long timer = -1;

    public PayloadRetention(ExecutionStore store, Clock clock, Vertx vertx, WorkflowConfig config) {
        this.store = store;
        this.clock = clock;
        this.vertx = vertx;
        this.config = config.retention();
        List<UUID> ids = new ArrayList<>();
        List<Integer> days = new ArrayList<>();
        checkDays("default-days", this.config.defaultDays());
        for (Map.Entry<String, Integer> e : this.config.workspaces().entrySet()) {
            UUID id;
            try {
                id = UUID.fromString(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new IllegalStateException("medhook.workflow.retention.workspaces: " + e.getKey()
                        + " is not a workspace id");
            }
            checkDays("workspaces." + e.getKey(), e.getValue());
            ids.add(id);
            days.add(e.getValue());
        }
        this.overrideIds = ids.toArray(UUID[]::new);
        this.overrideDays = days.toArray(Integer[]::new);
    }

    private static void checkDays(String key, int days) {
        if (days < 1) {
            throw new IllegalStateException("medhook.workflow.retention." + key + " must be at least 1 day");
        }
    }

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            LOG.info("payload retention disabled on this replica");
            return;
        }
        timer = vertx.setPeriodic(config.interval().toMillis(), id -> pass());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void pass() {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        run(OffsetDateTime.now(clock)).subscribe().with(r -> {
            busy.set(false);
            if (r.executions() > 0) {
                LOG.infof("retention purged the payloads of %d executions", r.executions());
            }
        }, f -> {
            busy.set(false);
            LOG.warnf("payload retention failed: %s", SafeThrowables.describe(f));
        });
    }

    /**
     * Purges what is due at {@code now}: executions that finished before {@code now} minus their workspace's
     * retention. Repeats batches until one comes back short; audits the run once when it purged anything.
     */
    public Uni<Result> run(OffsetDateTime now) {
        return batches(now.withOffsetSameInstant(ZoneOffset.UTC), new Result(0, 0, 0), new HashSet<>())
                .chain(r -> r.executions() == 0 ? Uni.createFrom().item(r)
                        : store.pool().withTransaction(tx -> AuditOutbox.append(tx, AuditEvent.of(
                                AuditContext.system("workflow-retention"), "execution.retention", "execution",
                                "retention", null, AuditEvent.Outcome.success,
                                Map.of("after", Map.of("executions", r.executions(), "steps", r.steps(),
                                        "workspaces", r.workspaces()))))).replaceWith(r));
    }

    private Uni<Result> batches(OffsetDateTime now, Result sofar, Set<UUID> workspaces) {
        return store.pool().withTransaction(tx -> tx.preparedQuery("""
                with due as (
                    select e.id from execution e
                     where e.finished_at is not null and e.payloads_purged_at is null
                       and e.status in ('succeeded', 'failed', 'cancelled', 'timed_out')
                       and e.finished_at < $1::timestamptz - make_interval(days => coalesce(
                               (select o.days from unnest($2::uuid[], $3::int[]) as o(ws, days)
                                 where o.ws = e.workspace_id), $4))
                     order by e.finished_at
                     limit $5
                     for update skip locked)
                update execution e
                   set input_enc = null, data_key_wrapped = null, error_message = null, payloads = 'purged',
                       payloads_purged_at = now()
                  from due where e.id = due.id
                returning e.id, e.workspace_id""")
                .execute(Tuple.from(List.of(now, overrideIds, overrideDays, config.defaultDays(),
                        config.batchSize())))
                .chain(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    for (Row r : rows) {
                        ids.add(r.getUUID("id"));
                        workspaces.add(r.getUUID("workspace_id"));
                    }
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(new long[] {0, 0});
                    }
                    return tx.preparedQuery("""
                            update execution_step set output_enc = null, error_enc = null
                             where execution_id = any($1) and (output_enc is not null or error_enc is not null)""")
                            .execute(Tuple.of(ids.toArray(UUID[]::new)))
                            .map(steps -> new long[] {ids.size(), steps.rowCount()});
                }))
                .chain(n -> {
                    Result r = new Result(sofar.executions() + n[0], sofar.steps() + n[1], workspaces.size());
                    return n[0] < config.batchSize() ? Uni.createFrom().item(r) : batches(now, r, workspaces);
                });
    }
}
