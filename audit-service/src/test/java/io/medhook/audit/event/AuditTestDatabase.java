package io.medhook.audit.event;

import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import io.medhook.testing.PostgresTestResource;
import java.util.HashMap;
import java.util.Map;

/**
 * audit-service's test database: a fresh database like every service's, plus the login roles the service writes and
 * prunes under (README, "Database roles"), as {@code ./medhook up} and a production install provide them.
 */
public class AuditTestDatabase extends PostgresTestResource {

    static final String WRITER = "medhook_audit_writer";
    static final String RETENTION = "medhook_audit_retention";

    @Override
    public Map<String, String> start() {
        Map<String, String> cfg = new HashMap<>(super.start());
        PgTarget target = target();
        try {
            LocalPostgres.ensureLoginRoles(target, WRITER, RETENTION);
        } catch (Exception e) {
            throw new IllegalStateException("could not create audit-service's roles: " + e.getMessage(), e);
        }
        if (target.password() != null) {
            cfg.put("quarkus.datasource.writer.password", target.password());
            cfg.put("quarkus.datasource.retention.password", target.password());
        }
        return cfg;
    }
}
