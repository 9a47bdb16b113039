package io.medhook.workflow.execution;

import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * SQL of executions and steps, on the reactive pool (the engine's hot path avoids the ORM). Claiming uses
 * {@code FOR UPDATE SKIP LOCKED} leases: any number of replicas share the queue and each execution has one owner.
 */
@ApplicationScoped
public class ExecutionStore {

    /** A claimed execution, ready to run. */
    public record Claimed(UUID id, UUID workspaceId, UUID workflowId, int version, byte[] inputEnc,
            String dataKeyWrapped, UUID parentExecutionId, String parentNodeId, int callDepth) {
    }

    /** A stored step. */
    public record StepRow(String nodeId, String status, byte[] outputEnc, String errorType, byte[] errorEnc,
            int attempts, OffsetDateTime startedAt, OffsetDateTime finishedAt) {
    }

    /** A stored execution. */
    public record ExecutionRow(UUID id, UUID workspaceId, UUID workflowId, int version, String status,
            String triggerType, byte[] inputEnc, String dataKeyWrapped, String errorType, String errorMessage,
            int attempts, OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt,
            UUID rerunOf, boolean cancelRequested, String payloads, UUID parentExecutionId) {

        /** Whether the payloads are still stored ({@code payloads} is {@code kept}, not discarded or purged). */
        public boolean payloadsKept() {
            return "kept".equals(payloads);
        }
    }

    private static final java.util.Set<String> TERMINAL = java.util.Set.of("succeeded", "failed", "cancelled",
            "timed_out");

    private final Pool pool;

    public ExecutionStore(Pool pool) {
        this.pool = pool;
    }

    public Pool pool() {
        return pool;
    }

    /** A workflow row as the execution paths need it. */
    public record WorkflowRef(UUID id, UUID workspaceId, int version, boolean active) {
    }

    /** A succeeded step copied into a re-run, its output sealed for the new execution. */
    public record CopiedStep(String nodeId, byte[] outputEnc, int attempts, OffsetDateTime startedAt,
            OffsetDateTime finishedAt) {
    }

    /** A row of the execution listing: status and times, never payloads. */
    public record ListedRow(UUID id, UUID workflowId, int version, String status, String triggerType,
            String errorType, UUID rerunOf, OffsetDateTime createdAt, OffsetDateTime startedAt,
            OffsetDateTime finishedAt, boolean cancelRequested, UUID parentExecutionId) {
    }

    /** Enqueues an execution and its audit event in one transaction. */
    public Uni<Void> enqueue(UUID id, UUID workspaceId, UUID workflowId, int version, String triggerType,
            byte[] inputEnc, String dataKeyWrapped, AuditEvent audit) {
        return pool.withTransaction(tx -> insert(tx, id, workspaceId, workflowId, version, triggerType, inputEnc,
                dataKeyWrapped, null).chain(() -> AuditOutbox.append(tx, audit)));
    }

    /** Inserts a queued execution inside the caller's transaction. */
    public Uni<Void> insert(SqlConnection tx, UUID id, UUID workspaceId, UUID workflowId, int version,
            String triggerType, byte[] inputEnc, String dataKeyWrapped, UUID rerunOf) {
        return tx.preparedQuery("""
                insert into execution (id, workspace_id, workflow_id, workflow_version, status, trigger_type,
                                       input_enc, data_key_wrapped, rerun_of, created_at)
                values ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, clock_timestamp())""")
                .execute(Tuple.from(java.util.Arrays.asList(id, workspaceId, workflowId, version, triggerType,
                        io.vertx.core.buffer.Buffer.buffer(inputEnc), dataKeyWrapped, rerunOf)))
                .replaceWithVoid();
    }

    /** Inserts succeeded steps (a re-run's copies) inside the caller's transaction. */
    public Uni<Void> insertSucceededSteps(SqlConnection tx, UUID executionId, List<CopiedStep> steps) {
        if (steps.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (CopiedStep s : steps) {
            batch.add(Tuple.from(java.util.Arrays.asList(executionId, s.nodeId(),
                    io.vertx.core.buffer.Buffer.buffer(s.outputEnc()), s.attempts(), s.startedAt(), s.finishedAt())));
        }
        return tx.preparedQuery("""
                insert into execution_step (execution_id, node_id, status, output_enc, attempts, started_at,
                                            finished_at)
                values ($1, $2, 'succeeded', $3, $4, $5, $6)""")
                .executeBatch(batch).replaceWithVoid();
    }

    /**
     * The workflow (not deleted) of this workspace, its row locked against concurrent deactivation until the caller's
     * transaction ends; null when there is none.
     */
    public Uni<WorkflowRef> lockWorkflow(SqlConnection tx, UUID workspaceId, UUID workflowId) {
        return tx.preparedQuery("""
                select id, workspace_id, current_version, active from workflow
                 where id = $1 and workspace_id = $2 and deleted_at is null
                 for share""")
                .execute(Tuple.of(workflowId, workspaceId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new WorkflowRef(r.getUUID("id"), r.getUUID("workspace_id"),
                            r.getInteger("current_version"), r.getBoolean("active"));
                });
    }

    /**
     * Cancels a queued execution at once, or asks the engine to stop a running one before its next step, with its
     * audit event (built from the status found) in the same transaction. Returns the status after the update
     * ({@code cancelled} or {@code running}), or null when the execution is not there or already terminal. Asking again
     * while a running execution is being stopped changes nothing and is not audited again.
     */
    public Uni<String> cancel(UUID workspaceId, UUID id, java.util.function.Function<String, AuditEvent> audit) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                select status, cancel_requested_at is not null as requested from execution
                 where id = $1 and workspace_id = $2 for update""")
                .execute(Tuple.of(id, workspaceId))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().nullItem();
                    }
                    Row found = rows.iterator().next();
                    String status = found.getString("status");
                    if (found.getBoolean("requested") && !"queued".equals(status) && !TERMINAL.contains(status)) {
                        // asked before: nothing changes, nothing more to audit
                        return Uni.createFrom().item(status);
                    }
                    String sql;
                    if ("queued".equals(status)) {
                        sql = """
                                update execution set status = 'cancelled', finished_at = now(),
                                                     cancel_requested_at = now()
                                 where id = $1 and status = 'queued'""";
                    } else if ("running".equals(status) || "waiting".equals(status)) {
                        sql = """
                                update execution set cancel_requested_at = coalesce(cancel_requested_at, now())
                                 where id = $1""";
                    } else {
                        return Uni.createFrom().nullItem();
                    }
                    String after = "queued".equals(status) ? "cancelled" : status;
                    return tx.preparedQuery(sql).execute(Tuple.of(id))
                            .chain(() -> "queued".equals(status) ? ended(tx, id) : Uni.createFrom().voidItem())
                            .chain(() -> AuditOutbox.append(tx, audit.apply(status)))
                            .replaceWith(after);
                }));
    }

    /** Whether someone asked to cancel this execution. */
    public Uni<Boolean> cancelRequested(UUID id) {
        return pool.preparedQuery("select cancel_requested_at is not null as c from execution where id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("c"));
    }

    /**
     * Why the execution must stop before its next step: {@code cancelled} when someone asked to cancel it,
     * {@code timed_out} when its deadline passed (cancellation wins), or null to go on.
     */
    public Uni<String> stopReason(UUID id) {
        return pool.preparedQuery("""
                select cancel_requested_at is not null as c, coalesce(deadline_at <= now(), false) as t
                  from execution where id = $1""")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return r.getBoolean("c") ? "cancelled" : r.getBoolean("t") ? "timed_out" : null;
                });
    }

    /**
     * One page of a workspace's executions, newest first; {@code after} is the (created_at, id) of the last row of the
     * previous page. Fetches {@code limit} rows.
     */
    public Uni<List<ListedRow>> list(UUID workspaceId, UUID workflowId, UUID parentId, String status,
            OffsetDateTime from, OffsetDateTime to, OffsetDateTime afterCreatedAt, UUID afterId, int limit) {
        StringBuilder sql = new StringBuilder("""
                select id, workflow_id, workflow_version, status, trigger_type, error_type, rerun_of, created_at,
                       started_at, finished_at, cancel_requested_at is not null as cancel_requested,
                       parent_execution_id
                  from execution where workspace_id = $1""");
        List<Object> args = new ArrayList<>();
        args.add(workspaceId);
        if (parentId != null) {
            args.add(parentId);
            sql.append(" and parent_execution_id = $").append(args.size());
        }
        if (workflowId != null) {
            args.add(workflowId);
            sql.append(" and workflow_id = $").append(args.size());
        }
        if (status != null) {
            args.add(status);
            sql.append(" and status = $").append(args.size());
        }
        if (from != null) {
            args.add(from);
            sql.append(" and created_at >= $").append(args.size());
        }
        if (to != null) {
            args.add(to);
            sql.append(" and created_at < $").append(args.size());
        }
        if (afterCreatedAt != null) {
            args.add(afterCreatedAt);
            args.add(afterId);
            sql.append(" and (created_at, id) < ($").append(args.size() - 1).append(", $").append(args.size())
                    .append(")");
        }
        args.add(limit);
        sql.append(" order by created_at desc, id desc limit $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(rows -> {
            List<ListedRow> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new ListedRow(r.getUUID("id"), r.getUUID("workflow_id"), r.getInteger("workflow_version"),
                        r.getString("status"), r.getString("trigger_type"), r.getString("error_type"),
                        r.getUUID("rerun_of"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("started_at"),
                        r.getOffsetDateTime("finished_at"), r.getBoolean("cancel_requested"),
                        r.getUUID("parent_execution_id")));
            }
            return out;
        });
    }

    /** The engine's limits as the claim applies them. */
    public record Limits(Duration defaultTimeout, Duration maxTimeout, int workspaceConcurrency,
            java.util.Map<String, Integer> workspaceOverrides) {
    }

    /** Key of the transaction-scoped advisory lock that serialises claims across replicas ("medhook-claim"). */
    static final long CLAIM_LOCK = 0x6d6564686f6f6bL;

    /**
     * Claims up to {@code limit} executions: queued ones, waiting ones that are due (or asked to cancel, or past their
     * deadline) and running ones whose lease expired (a crashed replica's). A queued or due waiting execution is only
     * taken while its workflow ({@code settings.maxConcurrency}) and its workspace ({@code workspace-concurrency} or
     * its override) stay within their limits of running executions, oldest first per workflow; the rest stay where
     * they are. Claims of all replicas are serialised by one transaction-scoped advisory lock, so the counts the
     * statement reads cannot be raced by another claim; the lock is held for the one statement only. The first claim
     * fixes {@code deadline_at} from the workflow's {@code settings.timeoutSeconds} (or the default), capped.
     */
    public Uni<List<Claimed>> claim(String owner, int limit, Duration lease, Limits limits) {
        List<UUID> wsIds = new ArrayList<>();
        List<Integer> wsLimits = new ArrayList<>();
        limits.workspaceOverrides().forEach((k, v) -> {
            try {
                wsIds.add(UUID.fromString(k));
                wsLimits.add(v);
            } catch (IllegalArgumentException e) {
                // not a workspace id: ignored
            }
        });
        Tuple args = Tuple.from(java.util.Arrays.asList(owner, limit, (double) lease.toSeconds(),
                limits.defaultTimeout().toSeconds(), limits.maxTimeout().toSeconds(),
                limits.workspaceConcurrency(), wsIds.toArray(UUID[]::new), wsLimits.toArray(Integer[]::new)));
        return pool.withTransaction(tx -> tx.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(CLAIM_LOCK))
                .chain(() -> tx.preparedQuery("""
                with cand as (
                    select e.id, e.workflow_id, e.workspace_id, e.created_at,
                           (e.status = 'running'
                            or (e.status = 'waiting'
                                and (e.cancel_requested_at is not null or e.deadline_at <= now()))) as exempt,
                           coalesce((v.definition -> 'settings' ->> 'maxConcurrency')::int, 2147483647) as wf_max,
                           coalesce((select o.l from unnest($7::uuid[], $8::int[]) as o(w, l)
                                      where o.w = e.workspace_id limit 1), $6) as ws_max
                      from execution e
                      join workflow_version v on v.workflow_id = e.workflow_id and v.version = e.workflow_version
                     where e.status = 'queued' or (e.status = 'running' and e.lease_until < now())
                        or (e.status = 'waiting'
                            and (e.resume_at <= now() or e.cancel_requested_at is not null
                                 or e.deadline_at <= now()))
                ),
                busy_wf as (
                    select workflow_id, count(*) as n from execution
                     where status = 'running' and workflow_id in (select workflow_id from cand)
                     group by workflow_id
                ),
                busy_ws as (
                    select workspace_id, count(*) as n from execution
                     where status = 'running' and workspace_id in (select workspace_id from cand)
                     group by workspace_id
                ),
                within_wf as (
                    select c.*, row_number() over (partition by c.workflow_id order by c.created_at, c.id) as wf_rank
                      from cand c where not c.exempt
                ),
                fits_wf as (
                    select w.* from within_wf w left join busy_wf b on b.workflow_id = w.workflow_id
                     where coalesce(b.n, 0) + w.wf_rank <= w.wf_max
                ),
                within_ws as (
                    select f.*, row_number() over (partition by f.workspace_id order by f.created_at, f.id) as ws_rank
                      from fits_wf f
                ),
                admitted as (
                    select c.id, c.created_at from cand c where c.exempt
                    union all
                    select w.id, w.created_at from within_ws w left join busy_ws b on b.workspace_id = w.workspace_id
                     where coalesce(b.n, 0) + w.ws_rank <= w.ws_max
                ),
                picked as (
                    select id from admitted order by created_at limit $2
                )
                update execution e
                   set status = 'running', lease_owner = $1, lease_until = now() + make_interval(secs => $3),
                       started_at = coalesce(e.started_at, now()), attempts = e.attempts + 1,
                       resume_at = null,
                       deadline_at = coalesce(e.deadline_at, now() + make_interval(secs => least($5::bigint,
                           coalesce((select (v.definition -> 'settings' ->> 'timeoutSeconds')::bigint
                                       from workflow_version v
                                      where v.workflow_id = e.workflow_id and v.version = e.workflow_version),
                                    $4::bigint))::double precision))
                  from picked p
                 where e.id = p.id
                   and (e.status = 'queued' or (e.status = 'running' and e.lease_until < now())
                        or (e.status = 'waiting'
                            and (e.resume_at <= now() or e.cancel_requested_at is not null
                                 or e.deadline_at <= now())))
                returning e.id, e.workspace_id, e.workflow_id, e.workflow_version, e.input_enc, e.data_key_wrapped,
                          e.parent_execution_id, e.parent_node_id, e.call_depth""")
                .execute(args))
                .map(rows -> {
                    List<Claimed> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Claimed(r.getUUID("id"), r.getUUID("workspace_id"), r.getUUID("workflow_id"),
                                r.getInteger("workflow_version"), r.getBuffer("input_enc").getBytes(),
                                r.getString("data_key_wrapped"), r.getUUID("parent_execution_id"),
                                r.getString("parent_node_id"), r.getInteger("call_depth")));
                    }
                    return out;
                }));
    }

    /** Extends the leases this replica holds. */
    public Uni<Integer> renew(String owner, List<UUID> ids, Duration lease) {
        return pool.preparedQuery("""
                update execution set lease_until = now() + make_interval(secs => $3)
                 where id = any($1) and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(ids.toArray(UUID[]::new), owner, (double) lease.toSeconds()))
                .map(RowSet::rowCount);
    }

    /**
     * Hands back the leases a stopping replica still holds on these executions, in one statement: they stay
     * {@code running} (the concurrency limits keep counting them) with no owner and a lease that has already lapsed,
     * which is what {@link #claim} takes over from a replica that died, so any replica can claim them at once and
     * resume them at the first step that did not succeed. Rows {@code owner} no longer holds are not touched. Returns
     * how many were handed back.
     */
    public Uni<Integer> handBack(String owner, List<UUID> ids) {
        return pool.preparedQuery("""
                update execution set lease_owner = null, lease_until = '-infinity'
                 where id = any($1) and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(ids.toArray(UUID[]::new), owner))
                .map(RowSet::rowCount);
    }

    public Uni<String> definition(UUID workflowId, int version) {
        return pool.preparedQuery("select definition::text as d from workflow_version where workflow_id = $1 and version = $2")
                .execute(Tuple.of(workflowId, version))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getString("d") : null);
    }

    public Uni<List<StepRow>> steps(UUID executionId) {
        return pool.preparedQuery("""
                select node_id, status, output_enc, error_type, error_enc, attempts, started_at, finished_at
                  from execution_step where execution_id = $1 order by started_at, node_id""")
                .execute(Tuple.of(executionId))
                .map(rows -> {
                    List<StepRow> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new StepRow(r.getString("node_id"), r.getString("status"), bytes(r, "output_enc"),
                                r.getString("error_type"), bytes(r, "error_enc"), r.getInteger("attempts"),
                                r.getOffsetDateTime("started_at"), r.getOffsetDateTime("finished_at")));
                    }
                    return out;
                });
    }

    public Uni<Void> stepStarted(UUID executionId, String nodeId) {
        return pool.preparedQuery("""
                insert into execution_step (execution_id, node_id, status, attempts, started_at)
                values ($1, $2, 'running', 1, now())
                on conflict (execution_id, node_id) do update
                   set status = 'running', attempts = execution_step.attempts + 1, started_at = now(),
                       finished_at = null, output_enc = null, error_type = null, error_enc = null""")
                .execute(Tuple.of(executionId, nodeId)).replaceWithVoid();
    }

    /** Records a node on a branch that was not taken (or fed only by such nodes). */
    public Uni<Void> stepSkipped(UUID executionId, String nodeId) {
        return pool.preparedQuery("""
                insert into execution_step (execution_id, node_id, status, attempts, started_at, finished_at)
                values ($1, $2, 'skipped', 0, now(), now())
                on conflict (execution_id, node_id) do update set status = 'skipped', finished_at = now()""")
                .execute(Tuple.of(executionId, nodeId)).replaceWithVoid();
    }

    /** Records one finished loop item ({@code <loop>#<index>}) so a resumed execution does not run it again. */
    public Uni<Void> itemSucceeded(UUID executionId, String itemId, byte[] outputEnc) {
        return pool.preparedQuery("""
                insert into execution_step (execution_id, node_id, status, output_enc, attempts, started_at,
                                            finished_at)
                values ($1, $2, 'succeeded', $3, 1, now(), now())
                on conflict (execution_id, node_id) do update
                   set status = 'succeeded', output_enc = $3, finished_at = now()""")
                .execute(Tuple.of(executionId, itemId, io.vertx.core.buffer.Buffer.buffer(outputEnc)))
                .replaceWithVoid();
    }

    /**
     * Parks an execution at a wait node, only while {@code owner} holds its lease: the step is recorded
     * {@code waiting}, the execution goes to {@code waiting} with {@code resume_at} and its lease is released, in one
     * transaction. Returns whether it did.
     */
    public Uni<Boolean> park(UUID executionId, String owner, String nodeId, long seconds) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                update execution set status = 'waiting', resume_at = now() + make_interval(secs => $3),
                                     lease_owner = null, lease_until = null
                 where id = $1 and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(executionId, owner, (double) seconds))
                .chain(rows -> rows.rowCount() != 1 ? Uni.createFrom().item(false)
                        : tx.preparedQuery("""
                                insert into execution_step (execution_id, node_id, status, attempts, started_at)
                                values ($1, $2, 'waiting', 1, now())
                                on conflict (execution_id, node_id) do update
                                   set status = 'waiting', started_at = now(), finished_at = null""")
                                .execute(Tuple.of(executionId, nodeId)).replaceWith(true)));
    }

    /**
     * Parks a subworkflow step's execution again (due for another reason than its child's end): {@code waiting}
     * without a resume time, lease released, only while {@code owner} holds it.
     */
    public Uni<Boolean> waitForChild(UUID executionId, String owner) {
        return pool.preparedQuery("""
                update execution set status = 'waiting', resume_at = null, lease_owner = null, lease_until = null
                 where id = $1 and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(executionId, owner)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> stepSucceeded(UUID executionId, String nodeId, byte[] outputEnc) {
        return pool.preparedQuery("""
                update execution_step set status = 'succeeded', output_enc = $3, finished_at = now()
                 where execution_id = $1 and node_id = $2""")
                .execute(Tuple.of(executionId, nodeId, io.vertx.core.buffer.Buffer.buffer(outputEnc)))
                .replaceWithVoid();
    }

    public Uni<Void> stepFailed(UUID executionId, String nodeId, String errorType, byte[] errorEnc) {
        return pool.preparedQuery("""
                update execution_step set status = 'failed', error_type = $3, error_enc = $4, finished_at = now()
                 where execution_id = $1 and node_id = $2""")
                .execute(Tuple.of(executionId, nodeId, errorType, io.vertx.core.buffer.Buffer.buffer(errorEnc)))
                .replaceWithVoid();
    }

    /**
     * Records the terminal state with its audit event, only while this replica still holds the lease; returns whether
     * it did.
     */
    public Uni<Boolean> finish(UUID id, String owner, String status, String errorType, String errorMessage,
            AuditEvent audit) {
        return finish(id, owner, status, errorType, errorMessage, audit, null);
    }

    /**
     * What a finishing sub-workflow execution hands to the step that called it: the parent execution, the calling
     * node, and the child's result sealed under the parent's data key (null when there is none to hand over).
     */
    public record ParentWake(UUID parentId, String nodeId, byte[] resultEnc) {
    }

    /**
     * Like {@link #finish(UUID, String, String, String, String, AuditEvent)}; in the same transaction, a child
     * execution ({@code wake} not null) stores its result in the parent's waiting step and makes the parent due, and
     * an execution that did not succeed asks its own unfinished children to stop.
     */
    public Uni<Boolean> finish(UUID id, String owner, String status, String errorType, String errorMessage,
            AuditEvent audit, ParentWake wake) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                update execution set status = $3, error_type = $4, error_message = $5, finished_at = now(),
                                     lease_owner = null, lease_until = null
                 where id = $1 and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(id, owner, status, errorType, errorMessage))
                .chain(rows -> rows.rowCount() == 1
                        ? ended(tx, id).chain(() -> AuditOutbox.append(tx, audit))
                                .chain(() -> wakeParent(tx, wake))
                                .chain(() -> "succeeded".equals(status) ? Uni.createFrom().voidItem()
                                        : stopChildren(tx, id))
                                .replaceWith(true)
                        : Uni.createFrom().item(false)));
    }

    private static Uni<Void> wakeParent(SqlConnection tx, ParentWake wake) {
        if (wake == null) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> result = wake.resultEnc() == null ? Uni.createFrom().voidItem()
                : tx.preparedQuery("""
                        update execution_step set output_enc = $3
                         where execution_id = $1 and node_id = $2 and status = 'waiting'""")
                        .execute(Tuple.of(wake.parentId(), wake.nodeId(),
                                io.vertx.core.buffer.Buffer.buffer(wake.resultEnc())))
                        .replaceWithVoid();
        return result.chain(() -> tx.preparedQuery("""
                update execution set resume_at = now() where id = $1 and status = 'waiting'""")
                .execute(Tuple.of(wake.parentId())).replaceWithVoid());
    }

    /** Asks the unfinished sub-workflow executions of an execution that did not succeed to stop. */
    private static Uni<Void> stopChildren(SqlConnection tx, UUID id) {
        return tx.preparedQuery("""
                update execution set cancel_requested_at = coalesce(cancel_requested_at, now())
                 where parent_execution_id = $1 and status in ('queued', 'running', 'waiting')""")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /** A new sub-workflow execution, its input sealed under its own data key. */
    public record Child(UUID id, UUID workflowId, int version, byte[] inputEnc, String dataKeyWrapped, int depth) {
    }

    /**
     * Parks the parent at its subworkflow step (status {@code waiting} with no {@code resume_at}: only the child's end,
     * a cancellation or the deadline makes it due) and queues the child with its audit event, in one transaction and
     * only while {@code owner} holds the parent's lease. Returns whether it did.
     */
    public Uni<Boolean> startChild(UUID parentId, UUID workspaceId, String owner, String nodeId, Child child,
            AuditEvent audit) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                update execution set status = 'waiting', resume_at = null, lease_owner = null, lease_until = null
                 where id = $1 and lease_owner = $2 and status = 'running'""")
                .execute(Tuple.of(parentId, owner))
                .chain(rows -> rows.rowCount() != 1 ? Uni.createFrom().item(false)
                        : tx.preparedQuery("""
                                insert into execution_step (execution_id, node_id, status, attempts, started_at)
                                values ($1, $2, 'waiting', 1, now())
                                on conflict (execution_id, node_id) do update
                                   set status = 'waiting', started_at = now(), finished_at = null, output_enc = null""")
                                .execute(Tuple.of(parentId, nodeId))
                                .chain(() -> tx.preparedQuery("""
                                        insert into execution (id, workspace_id, workflow_id, workflow_version, status,
                                                               trigger_type, input_enc, data_key_wrapped,
                                                               parent_execution_id, parent_node_id, call_depth,
                                                               created_at)
                                        values ($1, $2, $3, $4, 'queued', 'subworkflow', $5, $6, $7, $8, $9,
                                                clock_timestamp())""")
                                        .execute(Tuple.from(java.util.Arrays.asList(child.id(), workspaceId,
                                                child.workflowId(), child.version(),
                                                io.vertx.core.buffer.Buffer.buffer(child.inputEnc()),
                                                child.dataKeyWrapped(), parentId, nodeId, child.depth()))))
                                .chain(() -> AuditOutbox.append(tx, audit))
                                .replaceWith(true)));
    }

    /** The sub-workflow execution a parent's node started: id, status, error type; null when there is none. */
    public record ChildState(UUID id, String status, String errorType) {
    }

    public Uni<ChildState> child(UUID parentId, String nodeId) {
        return pool.preparedQuery("""
                select id, status, error_type from execution where parent_execution_id = $1 and parent_node_id = $2""")
                .execute(Tuple.of(parentId, nodeId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new ChildState(r.getUUID("id"), r.getString("status"), r.getString("error_type"));
                });
    }

    /** The stored output of one step (a subworkflow step's result handed over by its child), or null. */
    public Uni<byte[]> stepOutput(UUID executionId, String nodeId) {
        return pool.preparedQuery("select output_enc from execution_step where execution_id = $1 and node_id = $2")
                .execute(Tuple.of(executionId, nodeId))
                .map(rows -> rows.iterator().hasNext() ? bytes(rows.iterator().next(), "output_enc") : null);
    }

    /** The workflow ids of an execution and of every execution above it in its sub-workflow call chain. */
    public Uni<java.util.Set<UUID>> callChain(UUID executionId) {
        return pool.preparedQuery("""
                with recursive up(id, workflow_id, parent, n) as (
                    select id, workflow_id, parent_execution_id, 0 from execution where id = $1
                    union all
                    select e.id, e.workflow_id, e.parent_execution_id, up.n + 1
                      from execution e join up on e.id = up.parent where up.n < 100
                )
                select distinct workflow_id from up""")
                .execute(Tuple.of(executionId))
                .map(rows -> {
                    java.util.Set<UUID> out = new java.util.HashSet<>();
                    rows.forEach(r -> out.add(r.getUUID("workflow_id")));
                    return out;
                });
    }

    /** What a subworkflow node may call: the workflow of this workspace (not deleted) and whether it is active. */
    public record Callee(int currentVersion, boolean active, boolean versionExists) {
    }

    /** The workflow a subworkflow node names, in this workspace and not deleted, or null. */
    public Uni<Callee> callee(UUID workspaceId, UUID workflowId, Integer version) {
        return pool.preparedQuery("""
                select w.current_version, w.active,
                       exists (select 1 from workflow_version v
                                where v.workflow_id = w.id and v.version = coalesce($3, w.current_version)) as found
                  from workflow w where w.id = $1 and w.workspace_id = $2 and w.deleted_at is null""")
                .execute(Tuple.from(java.util.Arrays.asList(workflowId, workspaceId, version)))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Callee(r.getInteger("current_version"), r.getBoolean("active"), r.getBoolean("found"));
                });
    }

    /**
     * What every transaction that ends an execution does once its terminal status is written: count it in
     * {@code usage_daily} (executions, succeeded, failed, credits on the UTC day it was created) and apply the
     * version's payload policy ({@code settings.payloads}): {@code none} discards the input, every step output and
     * error message (the error types stay) and the execution's error message; {@code errors} discards the input and
     * outputs unless the execution failed (or timed out). A discarded execution's data key is destroyed too. Then it
     * stores the {@code execution.succeeded} / {@code execution.failed} deliveries of subscribed webhook endpoints
     * ({@link io.medhook.workflow.delivery.ExecutionEvents}).
     */
    public Uni<Void> ended(SqlConnection tx, UUID id) {
        return tx.preparedQuery("""
                insert into usage_daily (workspace_id, day, executions, succeeded, failed, credits)
                select e.workspace_id, (e.created_at at time zone 'UTC')::date, 1,
                       case when e.status = 'succeeded' then 1 else 0 end,
                       case when e.status in ('failed', 'timed_out') then 1 else 0 end,
                       (select count(*) from execution_step s where s.execution_id = e.id and s.status <> 'skipped')
                  from execution e where e.id = $1
                on conflict (workspace_id, day) do update
                   set executions = usage_daily.executions + excluded.executions,
                       succeeded = usage_daily.succeeded + excluded.succeeded,
                       failed = usage_daily.failed + excluded.failed,
                       credits = usage_daily.credits + excluded.credits""")
                .execute(Tuple.of(id))
                .chain(() -> tx.preparedQuery("""
                        with p as (select e.id, e.status,
                                          coalesce(v.definition -> 'settings' ->> 'payloads', 'all') as policy
                                     from execution e
                                     join workflow_version v
                                       on v.workflow_id = e.workflow_id and v.version = e.workflow_version
                                    where e.id = $1)
                        update execution e
                           set input_enc = null, data_key_wrapped = null, payloads = 'discarded',
                               error_message = case when p.policy = 'none' then null else e.error_message end
                          from p
                         where e.id = p.id and e.payloads = 'kept'
                           and (p.policy = 'none'
                                or (p.policy = 'errors' and p.status not in ('failed', 'timed_out')))""")
                        .execute(Tuple.of(id)))
                .chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("""
                                update execution_step set output_enc = null, error_enc = null
                                 where execution_id = $1""").execute(Tuple.of(id)).replaceWithVoid())
                // execution.succeeded / execution.failed deliveries, in this same transaction
                .chain(() -> io.medhook.workflow.delivery.ExecutionEvents.executionEnded(tx, id));
    }

    public Uni<ExecutionRow> find(UUID workspaceId, UUID id) {
        return pool.preparedQuery("""
                select id, workspace_id, workflow_id, workflow_version, status, trigger_type, input_enc,
                       data_key_wrapped, error_type, error_message, attempts, created_at, started_at, finished_at,
                       rerun_of, cancel_requested_at is not null as cancel_requested, payloads, parent_execution_id
                  from execution where id = $1 and workspace_id = $2""")
                .execute(Tuple.of(id, workspaceId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new ExecutionRow(r.getUUID("id"), r.getUUID("workspace_id"), r.getUUID("workflow_id"),
                            r.getInteger("workflow_version"), r.getString("status"), r.getString("trigger_type"),
                            bytes(r, "input_enc"), r.getString("data_key_wrapped"), r.getString("error_type"),
                            r.getString("error_message"), r.getInteger("attempts"), r.getOffsetDateTime("created_at"),
                            r.getOffsetDateTime("started_at"), r.getOffsetDateTime("finished_at"),
                            r.getUUID("rerun_of"), r.getBoolean("cancel_requested"), r.getString("payloads"),
                            r.getUUID("parent_execution_id"));
                });
    }

    private static byte[] bytes(Row r, String column) {
        var b = r.getBuffer(column);
        return b == null ? null : b.getBytes();
    }

    static OffsetDateTime utc(OffsetDateTime t) {
        return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
    }
}
