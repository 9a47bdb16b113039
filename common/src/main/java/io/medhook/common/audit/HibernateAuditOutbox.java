package io.medhook.common.audit;

import io.smallrye.mutiny.Uni;
import org.hibernate.reactive.mutiny.Mutiny;

/** {@link AuditOutbox} for code that runs inside a Hibernate Reactive transaction. */
public final class HibernateAuditOutbox {

    private HibernateAuditOutbox() {
    }

    public static Uni<Void> append(Mutiny.Session session, AuditEvent event) {
        return session.createNativeQuery("insert into audit_outbox(event_id, payload) values (:id, :payload)")
                .setParameter("id", event.id())
                .setParameter("payload", AuditJson.write(event))
                .executeUpdate()
                .replaceWithVoid();
    }
}
