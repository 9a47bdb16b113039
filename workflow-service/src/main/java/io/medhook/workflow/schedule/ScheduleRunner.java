package io.medhook.workflow.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.execution.ExecutionAudit;
import io.medhook.workflow.execution.ExecutionStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fires due schedule ticks, exactly once per tick across replicas. One transaction claims due schedules with
 * {@code FOR UPDATE SKIP LOCKED} (another replica skips them), and for each tick inserts {@code schedule_tick
 * (workflow_id, tick_at)} with {@code on conflict do nothing}: only an inserted tick creates its execution (and its
 * audit event), in the same transaction, which then moves {@code next_fire_at} to the first tick after now. A replica
 * that dies mid-way rolls all of it back.
 *
 * <p>Missed ticks: the ticks due are those in {@code [next_fire_at, now]}. The latest one is on time when it is at most
 * {@code misfireThreshold} old; every other one is missed. {@code skip} fires the on-time tick, if there is one, and
 * no missed tick; {@code catch-up} fires every due tick, the latest {@code catchUpLimit} of them when there are more.
 */
public class ScheduleRunner {

    private static final Logger LOG = Logger.getLogger(ScheduleRunner.class);
    private static final AuditContext SCHEDULER = AuditContext.system("scheduler");

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration misfireThreshold;
    private final int catchUpLimit;
    private final int batchSize;

    public ScheduleRunner(ExecutionStore store, PayloadCrypto crypto, ObjectMapper json, Clock clock,
            Duration misfireThreshold, int catchUpLimit, int batchSize) {
        this.store = store;
        this.crypto = crypto;
        this.json = json;
        this.clock = clock;
        this.misfireThreshold = misfireThreshold;
        this.catchUpLimit = catchUpLimit;
        this.batchSize = batchSize;
    }

    private record Due(UUID workflowId, UUID workspaceId, int version, String cron, String timeZone, String missed,
            Instant nextFireAt) {
    }

    /** Fires what is due now; the number of executions this call enqueued. */
    public Uni<Integer> fireDue() {
        Instant now = clock.instant();
        return store.pool().withTransaction(tx -> tx.preparedQuery("""
                select s.workflow_id, s.workspace_id, w.current_version, s.cron, s.time_zone, s.missed, s.next_fire_at
                  from workflow_schedule s join workflow w on w.id = s.workflow_id
                 where s.next_fire_at <= $1 and w.active and w.deleted_at is null
                 order by s.next_fire_at
                 limit $2
                   for update of s skip locked""")
                .execute(Tuple.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC), batchSize))
                .chain(rows -> {
                    List<Due> due = new ArrayList<>();
                    for (Row r : rows) {
                        due.add(new Due(r.getUUID("workflow_id"), r.getUUID("workspace_id"),
                                r.getInteger("current_version"), r.getString("cron"), r.getString("time_zone"),
                                r.getString("missed"), r.getOffsetDateTime("next_fire_at").toInstant()));
                    }
                    return Multi.createFrom().iterable(due)
                            .onItem().transformToUniAndConcatenate(d -> fire(tx, d, now))
                            .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
                }));
    }

    private Uni<Integer> fire(SqlConnection tx, Due d, Instant now) {
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(d.cron(), d.timeZone());
        } catch (IllegalArgumentException e) {
            LOG.warnf("workflow %s: stored schedule cannot be parsed; it is paused", d.workflowId());
            return advance(tx, d.workflowId(), null, now).replaceWith(0);
        }
        List<Instant> ticks = ticks(schedule, d.nextFireAt(), d.missed(), now);
        Instant next = schedule.nextAfter(now).orElse(null);
        return Multi.createFrom().iterable(ticks)
                .onItem().transformToUniAndConcatenate(t -> fireTick(tx, d, schedule, t))
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue))
                .call(() -> advance(tx, d.workflowId(), next, now));
    }

    /** The ticks to fire now for a schedule whose next tick was {@code nextFireAt}. */
    List<Instant> ticks(CronSchedule schedule, Instant nextFireAt, String missed, Instant now) {
        if (WorkflowSchedules.CATCH_UP.equals(missed)) {
            List<Instant> all = schedule.ticksBetween(nextFireAt, now, catchUpLimit);
            if (all.size() == catchUpLimit && all.get(0).isAfter(nextFireAt)) {
                LOG.infof("schedule catch-up capped at %d ticks; older missed ticks are not fired", catchUpLimit);
            }
            return all;
        }
        List<Instant> latest = schedule.ticksBetween(nextFireAt, now, 1);
        if (latest.isEmpty() || Duration.between(latest.get(0), now).compareTo(misfireThreshold) > 0) {
            return List.of();
        }
        return latest;
    }

    private Uni<Integer> fireTick(SqlConnection tx, Due d, CronSchedule schedule, Instant tick) {
        UUID executionId = Ids.uuidV7();
        return tx.preparedQuery("""
                insert into schedule_tick (workflow_id, tick_at, execution_id) values ($1, $2, $3)
                on conflict do nothing""")
                .execute(Tuple.of(d.workflowId(), OffsetDateTime.ofInstant(tick, ZoneOffset.UTC), executionId))
                .chain(inserted -> {
                    if (inserted.rowCount() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    ObjectNode input = json.createObjectNode();
                    ObjectNode body = input.putObject("body");
                    body.put("scheduledAt", tick.atZone(schedule.zone()).toOffsetDateTime().toString());
                    body.put("tick", tick.toString());
                    input.putObject("headers");
                    byte[] plaintext = input.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    return crypto.newKey(d.workspaceId(), executionId).chain(k -> {
                        byte[] sealed = PayloadCrypto.seal(k.key(), executionId, PayloadCrypto.inputSlot(),
                                plaintext);
                        AuditEvent audit = AuditEvent.of(SCHEDULER, "execution.create", "execution",
                                executionId.toString(), d.workspaceId().toString(), AuditEvent.Outcome.success,
                                AuditChange.created(new ExecutionAudit(d.workflowId().toString(), d.version(),
                                        "schedule", plaintext.length, "queued", null)));
                        return store.insert(tx, executionId, d.workspaceId(), d.workflowId(), d.version(),
                                "schedule", sealed, k.wrapped(), null)
                                .chain(() -> AuditOutbox.append(tx, audit));
                    }).replaceWith(1);
                });
    }

    private static Uni<Void> advance(SqlConnection tx, UUID workflowId, Instant next, Instant now) {
        return tx.preparedQuery("update workflow_schedule set next_fire_at = $2, updated_at = $3 where workflow_id = $1")
                .execute(Tuple.from(java.util.Arrays.asList(workflowId,
                        next == null ? null : OffsetDateTime.ofInstant(next, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(now, ZoneOffset.UTC))))
                .replaceWithVoid();
    }
}
