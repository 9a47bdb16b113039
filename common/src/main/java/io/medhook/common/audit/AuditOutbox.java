package io.medhook.common.audit;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Writes audit events to the producer's {@code audit_outbox} table with the caller's connection, so the event commits
 * or rolls back with the change it records. {@link OutboxRelay} delivers them to audit-service.
 *
 * <p>Each producing service has this table in its own schema (see its Flyway migrations):
 * {@code audit_outbox(seq bigserial primary key, event_id uuid unique not null, payload text not null,
 * created_at timestamptz not null default now())}.
 */
public final class AuditOutbox {

    static final String INSERT = "insert into audit_outbox(event_id, payload) values ($1, $2)";

    private AuditOutbox() {
    }

    /** Appends with a Vert.x SQL connection that is inside the caller's transaction. */
    public static Uni<Void> append(SqlClient tx, AuditEvent event) {
        return tx.preparedQuery(INSERT).execute(Tuple.of(event.id(), AuditJson.write(event))).replaceWithVoid();
    }
}
