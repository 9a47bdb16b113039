package io.medhook.audit.event;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** SQL over {@code audit_event} and {@code chain_head}, on the reactive client. Callers own the transactions. */
@ApplicationScoped
class AuditEventRepository {

    /** The end of the chain: the last seq and its hash (seq 0 and 64 zeros while the log is empty). */
    record ChainHead(long seq, String hash) {
    }

    /** A listing query, already authorised and parsed. Null fields do not filter. */
    record EventQuery(Long beforeSeq, Set<String> scopeWorkspaces, String workspaceId, String action, String actorId,
            String resourceType, String resourceId, OffsetDateTime from, OffsetDateTime to, int limit) {
    }

    private static final String COLUMNS = "seq, id, occurred_at, actor_type, actor_id, actor_name, action, "
            + "resource_type, resource_id, workspace_id, outcome, request_id, source_address, user_agent, change, "
            + "prev_hash, hash";

    /** A whole batch in one statement: one array per column, zipped by unnest (one row per index). */
    private static final String INSERT = "insert into audit_event (" + COLUMNS + ") select * from unnest("
            + "$1::bigint[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], "
            + "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], "
            + "$16::text[], $17::text[])";

    private final Pool pool;

    /** The writer pool: may insert and read audit events, not change them (README, "Database roles"). */
    AuditEventRepository(@ReactiveDataSource("writer") Pool pool) {
        this.pool = pool;
    }

    Pool pool() {
        return pool;
    }

    /** Locks the chain head until the transaction of {@code conn} ends: this serialises all writers. */
    Uni<ChainHead> lockHead(SqlConnection conn) {
        return conn.query("select seq, hash from chain_head where id = 1 for update").execute()
                .map(AuditEventRepository::head);
    }

    Uni<ChainHead> head() {
        return pool.query("select seq, hash from chain_head where id = 1").execute()
                .map(AuditEventRepository::head);
    }

    Uni<Set<UUID>> existingIds(SqlConnection conn, Collection<UUID> ids) {
        return conn.preparedQuery("select id from audit_event where id = any($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new)))
                .map(rows -> {
                    Set<UUID> found = new HashSet<>();
                    for (Row r : rows) {
                        found.add(r.getUUID("id"));
                    }
                    return found;
                });
    }

    Uni<Void> insert(SqlConnection conn, List<StoredEvent> events) {
        int n = events.size();
        Long[] seq = new Long[n];
        UUID[] id = new UUID[n];
        OffsetDateTime[] occurredAt = new OffsetDateTime[n];
        String[][] text = new String[14][n];
        for (int i = 0; i < n; i++) {
            StoredEvent e = events.get(i);
            seq[i] = e.seq();
            id[i] = e.id();
            occurredAt[i] = e.occurredAt().atOffset(ZoneOffset.UTC);
            text[0][i] = e.actorType();
            text[1][i] = e.actorId();
            text[2][i] = e.actorName();
            text[3][i] = e.action();
            text[4][i] = e.resourceType();
            text[5][i] = e.resourceId();
            text[6][i] = e.workspaceId();
            text[7][i] = e.outcome();
            text[8][i] = e.requestId();
            text[9][i] = e.sourceAddress();
            text[10][i] = e.userAgent();
            text[11][i] = e.change();
            text[12][i] = e.prevHash();
            text[13][i] = e.hash();
        }
        List<Object> args = new ArrayList<>(17);
        args.add(seq);
        args.add(id);
        args.add(occurredAt);
        args.addAll(Arrays.asList((Object[]) text));
        return conn.preparedQuery(INSERT).execute(Tuple.from(args)).invoke(rows -> {
            if (rows.rowCount() != n) {
                throw new IllegalStateException("inserted " + rows.rowCount() + " audit events of " + n);
            }
        }).replaceWithVoid();
    }

    Uni<Void> updateHead(SqlConnection conn, ChainHead head) {
        return conn.preparedQuery("update chain_head set seq = $1, hash = $2 where id = 1")
                .execute(Tuple.of(head.seq(), head.hash()))
                .replaceWithVoid();
    }

    /** Events matching {@code q}, newest first, at most {@code q.limit()}. */
    Uni<List<StoredEvent>> find(EventQuery q) {
        StringBuilder sql = new StringBuilder("select ").append(COLUMNS).append(" from audit_event where true");
        List<Object> args = new ArrayList<>();
        if (q.beforeSeq() != null) {
            args.add(q.beforeSeq());
            sql.append(" and seq < $").append(args.size());
        }
        if (q.scopeWorkspaces() != null) {
            args.add(q.scopeWorkspaces().toArray(String[]::new));
            sql.append(" and workspace_id = any($").append(args.size()).append(')');
        }
        equal(sql, args, "workspace_id", q.workspaceId());
        equal(sql, args, "action", q.action());
        equal(sql, args, "actor_id", q.actorId());
        equal(sql, args, "resource_type", q.resourceType());
        equal(sql, args, "resource_id", q.resourceId());
        if (q.from() != null) {
            args.add(q.from());
            sql.append(" and occurred_at >= $").append(args.size());
        }
        if (q.to() != null) {
            args.add(q.to());
            sql.append(" and occurred_at < $").append(args.size());
        }
        args.add((long) q.limit());
        sql.append(" order by seq desc limit $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(AuditEventRepository::events);
    }

    /** Events with {@code afterSeq < seq <= upToSeq} in chain order, at most {@code limit}. */
    Uni<List<StoredEvent>> chainPage(long afterSeq, long upToSeq, int limit) {
        return pool.preparedQuery("select " + COLUMNS
                + " from audit_event where seq > $1 and seq <= $2 order by seq limit $3")
                .execute(Tuple.of(afterSeq, upToSeq, (long) limit))
                .map(AuditEventRepository::events);
    }

    /** Events of one workspace with {@code afterSeq < seq <= upToSeq} in chain order, at most {@code limit}. */
    Uni<List<StoredEvent>> workspacePage(String workspaceId, long afterSeq, long upToSeq, int limit) {
        return pool.preparedQuery("select " + COLUMNS + " from audit_event"
                + " where workspace_id = $1 and seq > $2 and seq <= $3 order by seq limit $4")
                .execute(Tuple.of(workspaceId, afterSeq, upToSeq, (long) limit))
                .map(AuditEventRepository::events);
    }

    /** The stored hash of the event at {@code seq}, or null when there is no such row. */
    Uni<String> hashAt(long seq) {
        return pool.preparedQuery("select hash from audit_event where seq = $1")
                .execute(Tuple.of(seq))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("hash"));
    }

    private static void equal(StringBuilder sql, List<Object> args, String column, String value) {
        if (value != null) {
            args.add(value);
            sql.append(" and ").append(column).append(" = $").append(args.size());
        }
    }

    private static ChainHead head(RowSet<Row> rows) {
        Row r = rows.iterator().next();
        return new ChainHead(r.getLong("seq"), r.getString("hash"));
    }

    private static List<StoredEvent> events(RowSet<Row> rows) {
        List<StoredEvent> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new StoredEvent(r.getLong("seq"), r.getUUID("id"), r.getOffsetDateTime("occurred_at").toInstant(),
                    r.getString("actor_type"), r.getString("actor_id"), r.getString("actor_name"),
                    r.getString("action"), r.getString("resource_type"), r.getString("resource_id"),
                    r.getString("workspace_id"), r.getString("outcome"), r.getString("request_id"),
                    r.getString("source_address"), r.getString("user_agent"), r.getString("change"),
                    r.getString("prev_hash"), r.getString("hash")));
        }
        return out;
    }
}
