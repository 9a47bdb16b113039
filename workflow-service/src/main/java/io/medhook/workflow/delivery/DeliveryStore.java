package io.medhook.workflow.delivery;

import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditOutbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * SQL of deliveries and attempts on the reactive pool. Claims take {@code FOR UPDATE SKIP LOCKED} leases under one
 * advisory transaction lock (so the per-endpoint in-flight bound holds across replicas); times come from the caller's
 * clock, never from the database's, so tests can move time.
 */
@ApplicationScoped
public class DeliveryStore {

    /** Serialises claims across replicas (the per-endpoint bound counts what others hold). */
    private static final long CLAIM_LOCK = 0x6d68_7764_6c76_0001L;

    /** A delivery to insert. */
    public record NewDelivery(UUID id, UUID workspaceId, UUID endpointId, String msgId, String eventType, byte[] body,
            boolean bodySealed, Instant nextAttemptAt, UUID executionId) {
    }

    /** A claimed delivery, with what the attempt needs of its endpoint's row version. */
    public record Claimed(UUID id, UUID workspaceId, UUID endpointId, String msgId, String eventType, byte[] body,
            boolean bodySealed, int attempts, int retryIndex, int endpointVersion) {
    }

    /** What one attempt did. */
    public record Outcome(int attempt, Instant attemptedAt, Integer statusCode, int latencyMs, byte[] responseEnc,
            String errorType, String cause) {
    }

    private final Pool pool;

    public DeliveryStore(Pool pool) {
        this.pool = pool;
    }

    public Pool pool() {
        return pool;
    }

    /** Inserts deliveries inside the caller's transaction; an id that exists already is left alone (idempotent). */
    public Uni<Void> insert(SqlClient tx, List<NewDelivery> deliveries, Instant now) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (NewDelivery d : deliveries) {
            batch.add(Tuple.from(Arrays.asList(d.id(), d.workspaceId(), d.endpointId(), d.msgId(), d.eventType(),
                    Buffer.buffer(d.body()), d.bodySealed(), at(d.nextAttemptAt()), d.executionId(), at(now))));
        }
        return tx.preparedQuery("""
                insert into webhook_delivery (id, workspace_id, endpoint_id, msg_id, event_type, body, body_sealed,
                                              status, next_attempt_at, execution_id, created_at)
                values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10)
                on conflict (id) do nothing""").executeBatch(batch).replaceWithVoid();
    }

    /**
     * Claims up to {@code limit} deliveries that are due (pending with {@code next_attempt_at <= now}) or whose lease
     * expired (a replica died holding them), of enabled endpoints, at most {@code perEndpoint} in flight per endpoint
     * counting what every replica holds; oldest due first.
     */
    public Uni<List<Claimed>> claim(String owner, int limit, int perEndpoint, Instant now, Instant leaseUntil) {
        return pool.withTransaction(tx -> tx.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(CLAIM_LOCK))
                .chain(() -> tx.preparedQuery("""
                        with busy as (
                            select endpoint_id, count(*) as n from webhook_delivery
                             where status = 'delivering' and lease_until >= $1
                             group by endpoint_id
                        ),
                        cand as (
                            select d.id, d.endpoint_id, d.next_attempt_at from webhook_delivery d
                             where ((d.status = 'pending' and d.next_attempt_at <= $1)
                                    or (d.status = 'delivering' and d.lease_until < $1))
                               and not exists (select 1 from busy b where b.endpoint_id = d.endpoint_id and b.n >= $4)
                               and exists (select 1 from webhook_endpoint e where e.id = d.endpoint_id and e.enabled)
                             order by d.next_attempt_at
                             limit $5
                        ),
                        ranked as (
                            select c.id, c.next_attempt_at, coalesce(b.n, 0) + row_number()
                                   over (partition by c.endpoint_id order by c.next_attempt_at, c.id) as slot
                              from cand c left join busy b on b.endpoint_id = c.endpoint_id
                        ),
                        picked as (
                            select d.id from webhook_delivery d
                             where d.id in (select r.id from ranked r where r.slot <= $4
                                            order by r.next_attempt_at limit $3)
                             for update skip locked
                        )
                        update webhook_delivery d
                           set status = 'delivering', lease_owner = $2, lease_until = $6
                          from picked p, webhook_endpoint e
                         where d.id = p.id and e.id = d.endpoint_id
                        returning d.id, d.workspace_id, d.endpoint_id, d.msg_id, d.event_type, d.body, d.body_sealed,
                                  d.attempts, d.retry_index, e.version""")
                        .execute(Tuple.from(Arrays.asList(at(now), owner, limit, perEndpoint, limit * 8,
                                at(leaseUntil))))))
                .map(rows -> {
                    List<Claimed> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Claimed(r.getUUID("id"), r.getUUID("workspace_id"), r.getUUID("endpoint_id"),
                                r.getString("msg_id"), r.getString("event_type"), r.getBuffer("body").getBytes(),
                                r.getBoolean("body_sealed"), r.getInteger("attempts"), r.getInteger("retry_index"),
                                r.getInteger("version")));
                    }
                    return out;
                });
    }

    /** Gives a claimed delivery back without an attempt (rate limit), due again at {@code next}. */
    public Uni<Void> release(UUID id, String owner, Instant next) {
        return pool.preparedQuery("""
                update webhook_delivery set status = 'pending', lease_owner = null, lease_until = null,
                                            next_attempt_at = $3
                 where id = $1 and lease_owner = $2 and status = 'delivering'""")
                .execute(Tuple.of(id, owner, at(next))).replaceWithVoid();
    }

    /**
     * Hands back the leases a stopping replica still holds on these deliveries, in one statement: they stay
     * {@code delivering} with no owner and a lease that has already lapsed, which is what {@link #claim} takes over
     * from a replica that died, so another replica sends them at once; no attempt is counted. Rows {@code owner} no
     * longer holds are not touched. Returns how many were handed back.
     */
    public Uni<Integer> handBack(String owner, List<UUID> ids) {
        return pool.preparedQuery("""
                update webhook_delivery set lease_owner = null, lease_until = '-infinity'
                 where lease_owner = $1 and status = 'delivering' and id = any($2)""")
                .execute(Tuple.of(owner, ids.toArray(UUID[]::new))).map(r -> r.rowCount());
    }

    /** Extends the leases this replica holds (sends still in flight). */
    public Uni<Integer> renew(String owner, List<UUID> ids, Instant leaseUntil) {
        return pool.preparedQuery("""
                update webhook_delivery set lease_until = $3
                 where lease_owner = $1 and status = 'delivering' and id = any($2)""")
                .execute(Tuple.of(owner, ids.toArray(UUID[]::new), at(leaseUntil))).map(r -> r.rowCount());
    }

    /**
     * Records an attempt and the delivery's next state in one transaction, if this replica still holds the lease:
     * {@code status} is succeeded, failed or pending (then due at {@code next}, at {@code retryIndex} in the
     * schedule). {@code audit} (for a terminal state) is appended in the same transaction. Returns false when the
     * lease was lost (another replica reclaimed the delivery; its own attempt will be recorded).
     */
    public Uni<Boolean> record(UUID id, String owner, Outcome o, String status, int retryIndex, Instant next,
            AuditEvent audit, java.util.function.Function<SqlClient, Uni<Void>> alsoInTx) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                update webhook_delivery
                   set status = $3::text, attempts = attempts + 1, retry_index = $4, next_attempt_at = $5::timestamptz,
                       lease_owner = null, lease_until = null, last_attempt_at = $6::timestamptz,
                       finished_at = case when $3::text in ('succeeded', 'failed') then $6::timestamptz end
                 where id = $1 and lease_owner = $2 and status = 'delivering'
                returning attempts""")
                .execute(Tuple.from(Arrays.asList(id, owner, status, retryIndex, at(next), at(o.attemptedAt()))))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("""
                            insert into webhook_attempt (delivery_id, attempt, attempted_at, status_code, latency_ms,
                                                         response_enc, error_type, cause)
                            values ($1, $2, $3, $4, $5, $6, $7, $8)""")
                            .execute(Tuple.from(Arrays.asList(id, o.attempt(), at(o.attemptedAt()), o.statusCode(),
                                    o.latencyMs(), o.responseEnc() == null ? null : Buffer.buffer(o.responseEnc()),
                                    o.errorType(), o.cause())))
                            .chain(() -> audit == null ? Uni.createFrom().voidItem() : AuditOutbox.append(tx, audit))
                            .chain(() -> alsoInTx.apply(tx))
                            .replaceWith(true);
                }));
    }

    /**
     * The common case in one statement (atomic on its own, one round trip): a delivery succeeded, if this replica still
     * holds its lease: its state, the attempt, the end of the endpoint's failing period and the audit event (appended
     * to the outbox as {@link AuditOutbox} does). Returns false when the lease was lost.
     */
    public Uni<Boolean> recordSuccess(UUID id, String owner, Outcome o, int retryIndex, AuditEvent audit) {
        return pool.preparedQuery("""
                with d as (
                    update webhook_delivery
                       set status = 'succeeded', attempts = attempts + 1, retry_index = $3, next_attempt_at = null,
                           lease_owner = null, lease_until = null, last_attempt_at = $4, finished_at = $4
                     where id = $1 and lease_owner = $2 and status = 'delivering'
                    returning id, endpoint_id
                ),
                a as (
                    insert into webhook_attempt (delivery_id, attempt, attempted_at, status_code, latency_ms,
                                                 response_enc, error_type, cause)
                    select d.id, $5, $4, $6, $7, $8, null, $9 from d
                    returning 1
                ),
                h as (
                    update webhook_endpoint set failing_since = null
                     where id = (select endpoint_id from d) and failing_since is not null
                    returning 1
                ),
                o as (
                    insert into audit_outbox (event_id, payload) select $10, $11 from d
                    returning 1
                )
                select count(*) as n from d""")
                .execute(Tuple.from(Arrays.asList(id, owner, retryIndex, at(o.attemptedAt()), o.attempt(),
                        o.statusCode(), o.latencyMs(), o.responseEnc() == null ? null : Buffer.buffer(o.responseEnc()),
                        o.cause(), audit.id(), io.medhook.common.audit.AuditJson.write(audit))))
                .map(rows -> rows.iterator().next().getLong("n") == 1);
    }

    static OffsetDateTime at(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
