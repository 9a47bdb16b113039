package io.medhook.auth.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class BootstrapTest {

    @Test
    void adminPasswordIsStoredAsArgon2idOnly() throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select password_hash, owner, bootstrap from app_user where username = 'admin'")) {
            assertTrue(rs.next());
            assertTrue(rs.getString(1).startsWith("$argon2id$"));
            assertFalse(rs.getString(1).contains(AuthTestSupport.ADMIN_PASSWORD));
            assertTrue(rs.getBoolean(2));
            assertTrue(rs.getBoolean(3));
        }
    }

    @Test
    void firstStartIsAuditedWithoutSecrets() throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) filter (where payload like '%user.create%' and payload like '%\"type\":\"system\"%'), "
                        + "count(*) filter (where payload like '%workspace.create%' and payload like '%\"type\":\"system\"%'), "
                        + "count(*) filter (where payload like '%" + AuthTestSupport.ADMIN_PASSWORD + "%') from audit_outbox")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1), "bootstrap admin creation audited once");
            assertEquals(2, rs.getInt(2), "the two first workspaces are audited as system actions");
            assertEquals(0, rs.getInt(3), "no password in any audit event");
        }
    }

    @Test
    void exactlyOneSandboxAndOneProductionWorkspaceExistAfterStart() throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) filter (where kind = 'sandbox' and name = 'Sandbox'), "
                        + "count(*) filter (where kind = 'production' and name = 'Production') from workspace")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
            assertEquals(1, rs.getInt(2));
        }
    }
}
