package io.medhook.workflow;

import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import io.medhook.testing.TestIssuerResource;
import io.medhook.testing.vault.VaultDouble;
import io.medhook.testing.vault.VaultTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * workflow-service on dynamic PostgreSQL logins from Vault's database engine (issue 8), against the
 * {@link VaultDouble}: both the JDBC datasource (Flyway) and the reactive pool get their login from
 * {@code database/creds/workflow-service} through quarkus-vault's credentials provider, as the {@code %prod}
 * configuration says. PostgreSQL and the double are set up by vault-config's own {@code postgres/roles.sql} and
 * {@code bootstrap.sh} ({@link VaultTestResource} argument {@code database-role}): a fresh database owned by a NOLOGIN
 * group role, a login that joins the group and acts as it ({@code ALTER ROLE … SET role}), the service token carrying
 * the real {@code medhook-workflow} policy. Its own profile: no global test resource (PostgresTestResource would give
 * the datasource a fixed superuser login).
 */
@QuarkusTest
@TestProfile(VaultDatabaseLoginTest.DynamicLogins.class)
class VaultDatabaseLoginTest {

    private static final String ROLE = "workflow-service";
    private static final String PROVIDER = "vault-db";

    /** Only the issuer and the Vault double (with the database engine); no fixed database login. */
    public static class DynamicLogins implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestIssuerResource.class),
                    new TestResourceEntry(VaultTestResource.class, Map.of(
                            "service", "workflow-service",
                            "transit-key", "medhook-workflow",
                            "kv-secrets", "service-clients/workflow-service",
                            "database-role", ROLE,
                            "credentials-provider", PROVIDER)));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    VaultDouble vault;

    @TestHTTPResource(value = "", management = true)
    URL management;

    @Inject
    AgroalDataSource jdbc;

    @Inject
    Pool reactive;

    @Test
    void flywayAndTheReactivePoolRunOnVaultIssuedLoginsActingAsTheGroupRole() throws Exception {
        // the same provider and role as production (%prod in application.properties), no fixed login
        Properties props = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        assertEquals(PROVIDER, props.getProperty("%prod.quarkus.datasource.credentials-provider"));
        assertEquals(ROLE, props.getProperty(
                "%prod.quarkus.vault.credentials-provider." + PROVIDER + ".database-credentials-role"));
        var config = ConfigProvider.getConfig();
        assertEquals(PROVIDER, config.getValue("quarkus.datasource.credentials-provider", String.class));
        assertFalse(config.getOptionalValue("quarkus.datasource.username", String.class).isPresent(),
                "no fixed database login");
        String jdbcUrl = config.getValue("quarkus.datasource.jdbc.url", String.class);
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);

        // started and migrated: ready, and the login came from the database engine under the service's own token
        given().get(management + "health/ready").then().statusCode(200);
        List<VaultDouble.Recorded> creds = vault.requests().stream()
                .filter(r -> r.path().equals("database/creds/" + ROLE)).toList();
        assertFalse(creds.isEmpty(), "credentials read from database/creds/" + ROLE);
        assertTrue(creds.stream().allMatch(r -> r.status() == 200 && r.policies().contains("medhook-workflow")
                && !r.policies().contains("root")), creds.toString());
        List<String> issued = vault.database().liveUsernames();
        assertFalse(issued.isEmpty(), "a live lease");

        // an API call that writes
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        JsonPath wf = create(ws, editor, httpWorkflow("http://127.0.0.2:9/in"));
        given().auth().oauth2(editor).get("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(200);

        // the reactive pool's session: a Vault-issued login acting as the group role
        Row row = reactive.query("select session_user::text, current_user::text").execute()
                .await().atMost(Duration.ofSeconds(10)).iterator().next();
        String reactiveLogin = row.getString(0);
        String group = row.getString(1);
        assertTrue(issued.contains(reactiveLogin), reactiveLogin + " is one of the double's leases " + issued);
        assertNotEquals(reactiveLogin, group, "the login acts as its group (ALTER ROLE … SET role)");

        // a new physical JDBC connection: connections are taken and held until the pool must open one, for which
        // quarkus-vault asks its credentials provider again; it looks the cached lease up and renews it
        int mark = vault.requests().size();
        String jdbcLogin = null;
        List<Connection> held = new ArrayList<>();
        try {
            while (held.size() < 15 && vault.requests().size() == mark) {
                Connection c = jdbc.getConnection();
                held.add(c);
                try (ResultSet rs = c.createStatement().executeQuery("select session_user, current_user")) {
                    assertTrue(rs.next());
                    jdbcLogin = rs.getString(1);
                    assertEquals(group, rs.getString(2), "JDBC sessions act as the group role too");
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        assertTrue(vault.database().liveUsernames().contains(jdbcLogin), jdbcLogin);
        assertEquals(reactiveLogin, jdbcLogin, "quarkus-vault caches one lease per role: both pools share the login");
        List<VaultDouble.Recorded> after = vault.requests().subList(mark, vault.requests().size());
        assertTrue(after.stream().anyMatch(r -> r.path().equals("sys/leases/lookup") && r.status() == 200
                && r.policies().contains("medhook-workflow")), "the cached lease is looked up: " + after);
        assertTrue(after.stream().anyMatch(r -> r.path().equals("sys/leases/renew") && r.status() == 200
                && r.policies().contains("medhook-workflow")), "the lease is renewed: " + after);
        assertTrue(vault.requests().stream().noneMatch(r -> r.status() == 403), "nothing refused by the policy: "
                + vault.requests().stream().filter(r -> r.status() == 403).toList());

        // what PostgreSQL says, asked as the superuser
        PgTarget pg = LocalPostgres.resolveForTests(System.getenv());
        try (Connection c = LocalPostgres.connect(pg, database)) {
            assertEquals(group, one(c, "select pg_get_userbyid(datdba) from pg_database where datname = ?",
                    database), "the database belongs to the group role");
            assertEquals("false", one(c, "select rolcanlogin::text from pg_roles where rolname = ?", group),
                    "the group role cannot log in");
            List<String> owners = list(c, "select distinct tableowner from pg_tables where schemaname = 'public'");
            assertEquals(List.of(group), owners, "every table Flyway created belongs to the group, not a login");
            assertTrue(Integer.parseInt(one(c, "select count(*)::text from flyway_schema_history where success")) >= 11,
                    "all migrations applied");
            assertEquals("0", one(c, "select count(*)::text from flyway_schema_history where not success"));
            assertEquals(group, one(c, "select max(installed_by) from flyway_schema_history"),
                    "Flyway ran as the group role");
            assertEquals("1", one(c, "select count(*)::text from workflow where id::text = ?", wf.getString("id")),
                    "the API wrote");
            for (String login : new HashSet<>(List.of(reactiveLogin, jdbcLogin))) {
                assertEquals("true", one(c, "select pg_has_role(?, ?, 'member')::text", login, group));
                assertEquals("role=" + group, one(c, "select array_to_string(rolconfig, ',') from pg_roles"
                        + " where rolname = ?", login), "the creation statements' default role");
                assertEquals("0", one(c, "select count(*)::text from pg_class where relowner ="
                        + " (select oid from pg_roles where rolname = ?)", login), "the login owns nothing");
            }
            // the service's sessions, as pg_stat_activity shows them: only logins the double issued
            List<String> sessions = list(c, "select distinct usename::text from pg_stat_activity where datname = ?"
                    + " and pid <> pg_backend_pid() and usename <> ?", database, group.replace("workflow", "vault"));
            assertFalse(sessions.isEmpty());
            assertTrue(new HashSet<>(vault.database().liveUsernames()).containsAll(sessions),
                    sessions + " not all issued by the double " + vault.database().liveUsernames());
            assertFalse(sessions.contains(pg.user()));
        }
    }

    private static String one(Connection c, String sql, String... params) throws Exception {
        List<String> rows = list(c, sql, params);
        assertEquals(1, rows.size(), sql + " -> " + rows);
        return rows.get(0);
    }

    private static List<String> list(Connection c, String sql, String... params) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
