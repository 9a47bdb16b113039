package io.medhook.workflow.delivery;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/**
 * Deliveries of execution events, stored in the transaction that writes the execution's final state: one per enabled
 * endpoint of the workspace subscribed to {@code execution.succeeded} or {@code execution.failed} (a timed-out
 * execution counts as failed; a cancelled one sends nothing) and, when the endpoint lists workflows, only for those.
 * The body holds ids, status and error type only (no payload, so it is stored in clear):
 * {@code {"type", "timestamp", "data": {"executionId", "workflowId", "workflowVersion", "status", "errorType"}}}.
 */
public final class ExecutionEvents {

    private ExecutionEvents() {
    }

    public static Uni<Void> executionEnded(SqlClient tx, UUID executionId) {
        return tx.preparedQuery("""
                with ev as (
                    select e.id, e.workspace_id, e.workflow_id, e.workflow_version, e.status, e.error_type,
                           case when e.status = 'succeeded' then 'execution.succeeded' else 'execution.failed' end
                               as type,
                           clock_timestamp() as at
                      from execution e
                     where e.id = $1 and e.status in ('succeeded', 'failed', 'timed_out')
                )
                insert into webhook_delivery (id, workspace_id, endpoint_id, msg_id, event_type, body, body_sealed,
                                              status, next_attempt_at, execution_id, created_at)
                select gen_random_uuid(), ev.workspace_id, w.id, ev.msg_id, ev.type,
                       convert_to(jsonb_build_object(
                           'type', ev.type,
                           'timestamp', to_char(ev.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                           'data', jsonb_build_object('executionId', ev.id, 'workflowId', ev.workflow_id,
                                                      'workflowVersion', ev.workflow_version, 'status', ev.status,
                                                      'errorType', ev.error_type))::text, 'UTF8'),
                       false, 'pending', ev.at, ev.id, ev.at
                  from (select ev.*, 'msg_' || replace(gen_random_uuid()::text, '-', '') as msg_id from ev) ev
                  join webhook_endpoint w on w.workspace_id = ev.workspace_id and w.enabled
                 where (ev.type = any(w.event_types) or '*' = any(w.event_types))
                   and (cardinality(w.workflow_ids) = 0 or ev.workflow_id = any(w.workflow_ids))""")
                .execute(Tuple.of(executionId)).replaceWithVoid();
    }
}
