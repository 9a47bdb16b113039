package io.medhook.audit.event;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Checks that the role the service writes with cannot change the audit log: not a superuser, not the owner (or a member
 * of it) of {@code audit_event}, no UPDATE, DELETE or TRUNCATE on it, no EXECUTE on {@code audit_prune()}, and not the
 * retention role. The {@code audit-database-roles} readiness check is down while any of that is wrong, and the start
 * logs it, so a deployment that hands the service an owner or superuser account is not served silently.
 */
@Readiness
@ApplicationScoped
public class DatabaseRoles implements AsyncHealthCheck {

    private static final Logger LOG = Logger.getLogger(DatabaseRoles.class);

    /** What the connected role may do to the audit log; run as the writer role. */
    static final String CHECK_SQL = """
            select current_user as role,
                   r.rolsuper as superuser,
                   pg_has_role(c.relowner, 'USAGE') as owner,
                   has_table_privilege('audit_event', 'UPDATE') as can_update,
                   has_table_privilege('audit_event', 'DELETE') as can_delete,
                   has_table_privilege('audit_event', 'TRUNCATE') as can_truncate,
                   has_function_privilege('audit_prune(bigint)', 'EXECUTE') as can_prune
            from pg_roles r, pg_class c
            where r.rolname = current_user and c.oid = 'audit_event'::regclass""";

    /** What {@link #CHECK_SQL} found for one role. */
    record Findings(String role, boolean superuser, boolean owner, boolean canUpdate, boolean canDelete,
            boolean canTruncate, boolean canPrune) {

        static Findings of(Row r) {
            return new Findings(r.getString("role"), r.getBoolean("superuser"), r.getBoolean("owner"),
                    r.getBoolean("can_update"), r.getBoolean("can_delete"), r.getBoolean("can_truncate"),
                    r.getBoolean("can_prune"));
        }

        /** Everything that lets this role alter the audit log; empty when it can only insert and read. */
        List<String> problems() {
            List<String> p = new ArrayList<>();
            if (superuser) {
                p.add("is a superuser");
            }
            if (owner) {
                p.add("owns audit_event (or is a member of its owner)");
            }
            if (canUpdate) {
                p.add("may UPDATE audit_event");
            }
            if (canDelete) {
                p.add("may DELETE from audit_event");
            }
            if (canTruncate) {
                p.add("may TRUNCATE audit_event");
            }
            if (canPrune) {
                p.add("may EXECUTE audit_prune()");
            }
            return p;
        }
    }

    private final Pool writer;
    private final String writerRole;
    private final String retentionRole;

    public DatabaseRoles(@ReactiveDataSource("writer") Pool writer,
            @ConfigProperty(name = "quarkus.datasource.writer.username") String writerRole,
            @ConfigProperty(name = "quarkus.datasource.retention.username") String retentionRole) {
        this.writer = writer;
        this.writerRole = writerRole;
        this.retentionRole = retentionRole;
    }

    /** The problems with the writer role as configured and granted now; empty when it is as it must be. */
    Uni<List<String>> problems() {
        return writer.query(CHECK_SQL).execute().map(rows -> {
            Findings f = Findings.of(rows.iterator().next());
            List<String> p = new ArrayList<>();
            f.problems().forEach(what -> p.add("the writer role " + f.role() + " " + what));
            if (writerRole.equals(retentionRole)) {
                p.add("the writer and retention roles are the same role (" + writerRole + ")");
            }
            return p;
        });
    }

    void logAtStart(@Observes StartupEvent ev) {
        problems().subscribe().with(p -> {
            if (!p.isEmpty()) {
                LOG.errorf("audit log not protected by database roles, readiness stays down: %s", String.join("; ", p));
            }
        }, f -> LOG.errorf("could not check the database roles: %s", f.getClass().getSimpleName()));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("audit-database-roles")
                .withData("writer", writerRole).withData("retention", retentionRole);
        return problems().map(p -> p.isEmpty() ? response.up().build()
                : response.withData("problems", String.join("; ", p)).down().build())
                .onFailure().recoverWithItem(f -> response.withData("problems",
                        "could not check: " + f.getClass().getSimpleName()).down().build());
    }
}
