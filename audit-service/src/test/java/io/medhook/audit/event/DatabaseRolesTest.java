package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.db;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.seqOf;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The database itself keeps the audit log append-only: the role the service writes with can insert and read but not
 * change, remove, truncate or prune events, nor switch the guard off; the retention role can only prune, and only
 * through {@code audit_prune()}, which refuses without a signed checkpoint or across a legal hold. Each check runs as
 * the role ({@code set local role}) in a transaction that is rolled back, so nothing here changes the shared log.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class DatabaseRolesTest {

    /** The management interface's /q/ (quarkus.management.enabled): health and metrics live there, not on the API port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    private static final String WRITER = AuditTestDatabase.WRITER;
    private static final String RETENTION = AuditTestDatabase.RETENTION;

    /** Runs {@code sql} as {@code role} in a transaction that is rolled back; returns the error PostgreSQL raised. */
    private static SQLException refused(String role, String sql) throws SQLException {
        try (Connection c = db()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set local role " + role);
                return assertThrows(SQLException.class, () -> st.execute(sql), role + " may run: " + sql);
            } finally {
                c.rollback();
            }
        }
    }

    private static void assertNoPrivilege(String role, String sql) throws SQLException {
        SQLException e = refused(role, sql);
        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
    }

    private static long storedEvent() throws SQLException {
        AuditEvent e = event(newWorkspace(), "workflow.create");
        ingest(List.of(e));
        return seqOf(e.id());
    }

    private static DatabaseRoles.Findings findingsAs(String role) throws SQLException {
        try (Connection c = db()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (role != null) {
                    st.execute("set local role " + role);
                }
                try (ResultSet r = st.executeQuery(DatabaseRoles.CHECK_SQL)) {
                    r.next();
                    return new DatabaseRoles.Findings(r.getString("role"), r.getBoolean("superuser"),
                            r.getBoolean("owner"), r.getBoolean("can_update"), r.getBoolean("can_delete"),
                            r.getBoolean("can_truncate"), r.getBoolean("can_prune"));
                }
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void theWriterRoleCannotChangeRemoveOrTruncateEvents() throws SQLException {
        long seq = storedEvent();
        assertNoPrivilege(WRITER, "update audit_event set actor_name = 'Mallory' where seq = " + seq);
        assertNoPrivilege(WRITER, "delete from audit_event where seq = " + seq);
        assertNoPrivilege(WRITER, "truncate audit_event");
        // the append-only guard's escape hatch is a session setting anyone can set: it is no help without DELETE
        assertNoPrivilege(WRITER, "select set_config('medhook.audit_prune_upto', '" + seq + "', false);"
                + " delete from audit_event where seq = " + seq);
    }

    @Test
    void theWriterRoleCannotSwitchTheGuardOffOrPrune() throws SQLException {
        long seq = storedEvent();
        assertNoPrivilege(WRITER, "alter table audit_event disable trigger audit_event_no_update_delete");
        assertNoPrivilege(WRITER, "drop trigger audit_event_no_update_delete on audit_event");
        assertNoPrivilege(WRITER, "select audit_prune(" + seq + ")");
        assertNoPrivilege(WRITER, "update chain_anchor set seq = " + seq + " where id = 1");
        assertNoPrivilege(WRITER, "delete from checkpoint");
    }

    @Test
    void theRetentionRoleCanNeitherWriteNorDeleteOutsideAuditPrune() throws SQLException {
        long seq = storedEvent();
        assertNoPrivilege(RETENTION, "update audit_event set actor_name = 'Mallory' where seq = " + seq);
        assertNoPrivilege(RETENTION, "insert into audit_event select * from audit_event where seq = " + seq);
        assertNoPrivilege(RETENTION, "truncate audit_event");
        assertNoPrivilege(RETENTION, "update chain_head set seq = 0 where id = 1");
        assertNoPrivilege(RETENTION, "insert into checkpoint select * from checkpoint");
        // it may DELETE, but the guard lets a delete through only inside audit_prune()
        SQLException e = refused(RETENTION, "delete from audit_event where seq = " + seq);
        assertTrue(e.getMessage().contains("append-only"), e.getMessage());
    }

    @Test
    void auditPruneRefusesWithoutASignedCheckpointAtTheNewAnchor() throws SQLException {
        long seq = storedEvent();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from checkpoint where seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getLong(1), "no checkpoint at a fresh event");
            }
        }
        SQLException e = refused(RETENTION, "select audit_prune(" + seq + ")");
        assertTrue(e.getMessage().contains("no signed checkpoint at seq " + seq), e.getMessage());
    }

    @Test
    void auditPruneRefusesToRemoveAnEventOfAHeldWorkspace() throws SQLException {
        String held = newWorkspace();
        AuditEvent e = event(held, "workflow.create");
        ingest(List.of(e));
        long seq = storedEvent();
        try (Connection c = db()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // inside the rolled-back transaction: a checkpoint at seq (so that check passes) and a hold
                st.execute("insert into checkpoint (seq, hash, created_at, key_id, signature) select seq, hash, now(),"
                        + " 'test', 'test' from audit_event where seq = " + seq);
                st.execute("insert into legal_hold (workspace_id, reason, created_at) values ('" + held
                        + "', 'litigation', now())");
                st.execute("set local role " + RETENTION);
                SQLException refused = assertThrows(SQLException.class,
                        () -> st.execute("select audit_prune(" + seq + ")"));
                assertTrue(refused.getMessage().contains("legal hold"), refused.getMessage());
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void theCheckFindsNothingWrongWithTheWriterAndNamesWhatIsWrongWithOtherRoles() throws SQLException {
        assertEquals(List.of(), findingsAs(WRITER).problems());
        List<String> retention = findingsAs(RETENTION).problems();
        assertTrue(retention.contains("may DELETE from audit_event"), retention.toString());
        assertTrue(retention.contains("may EXECUTE audit_prune()"), retention.toString());
        assertFalse(retention.contains("is a superuser"), retention.toString());
        // the test database's own account owns the schema (and is a superuser on this machine's cluster)
        List<String> owner = findingsAs(null).problems();
        assertTrue(owner.contains("owns audit_event (or is a member of its owner)"), owner.toString());
        assertTrue(owner.contains("may UPDATE audit_event"), owner.toString());
    }

    @Test
    void readinessReportsTheRolesCheckUp() {
        given().when().get(management + "health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'audit-database-roles' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'audit-database-roles' }.data.writer", equalTo(WRITER));
    }
}
