package io.medhook.vaultconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import io.medhook.testing.vault.VaultDouble;
import io.medhook.testing.vault.VaultSys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Runs {@code vault-config/bootstrap.sh} (bash, curl, jq) against the Vault protocol double and the machine's real
 * PostgreSQL, the way an operator runs it against a cluster's Vault: twice (the second run changes nothing), then as
 * each service would use the result: Kubernetes login, exactly the paths its policy allows, a dynamic database login
 * whose tables belong to the service's group role.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapTest {

    static final Path CONFIG = Path.of("").toAbsolutePath().resolveSibling("vault-config").normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PREFIX = "vcfg" + suffix() + "_";
    static final String VAULT_DB_PASSWORD = "pw-" + suffix() + suffix();
    static final Map<String, String> AUDIT_PASSWORDS = Map.of("owner", "ao-" + suffix() + suffix(),
            "writer", "aw-" + suffix() + suffix(), "retention", "ar-" + suffix() + suffix());

    static VaultDouble vault;
    static VaultSys sys;
    static PgTarget pg;
    static Run first;
    static Map<String, String> secretsAfterFirst;

    record Run(int exit, String output) {
    }

    @BeforeAll
    static void start() throws Exception {
        pg = LocalPostgres.resolveForTests(System.getenv());
        vault = VaultDouble.start();
        sys = VaultSys.install(vault);
        psql("-v", "db_prefix=" + PREFIX, "-v", "vault_password=" + VAULT_DB_PASSWORD,
                "-v", "audit_owner_password=" + AUDIT_PASSWORDS.get("owner"),
                "-v", "audit_writer_password=" + AUDIT_PASSWORDS.get("writer"),
                "-v", "audit_retention_password=" + AUDIT_PASSWORDS.get("retention"),
                "-f", CONFIG.resolve("postgres/roles.sql").toString());
        first = bootstrap(Map.of());
        secretsAfterFirst = kvValues();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vault != null) {
            vault.close(); // revokes live leases: drops the dynamic logins
        }
        if (pg != null) {
            for (String db : List.of("auth", "workflow", "audit")) {
                LocalPostgres.dropDatabase(pg, PREFIX + db);
            }
            try (Connection c = LocalPostgres.connect(pg, "postgres"); Statement s = c.createStatement()) {
                for (String r : List.of("vault", "auth", "workflow", "audit", "audit_writer", "audit_retention")) {
                    s.execute("drop role if exists \"" + PREFIX + r + "\"");
                }
            }
        }
    }

    @Test
    @Order(1)
    void createsEnginesAuthPoliciesRolesKeysAndSecrets() throws Exception {
        assertEquals(0, first.exit(), first.output());
        assertEquals("kv", sys.mounts().get("secret/").type());
        assertEquals("2", sys.mounts().get("secret/").options().get("version"));
        assertEquals("transit", sys.mounts().get("transit/").type());
        assertEquals("database", sys.mounts().get("database/").type());
        assertEquals("kubernetes", sys.auths().get("kubernetes/").type());

        Set<String> files;
        try (var s = Files.list(CONFIG.resolve("policies"))) {
            files = s.map(p -> p.getFileName().toString().replace(".hcl", "")).collect(Collectors.toSet());
        }
        assertEquals(files, sys.policyTexts().keySet());
        for (String p : files) {
            assertEquals(Files.readString(CONFIG.resolve("policies/" + p + ".hcl")), sys.policyTexts().get(p) + "\n",
                    "policy " + p + " is written as it is in the file");
        }

        for (String service : List.of("auth-service", "workflow-service", "audit-service")) {
            JsonNode role = get("auth/kubernetes/role/" + service, vault.rootToken()).path("data");
            assertEquals("[\"" + service + "\"]", role.get("bound_service_account_names").toString());
            assertEquals("[\"medhook\"]", role.get("bound_service_account_namespaces").toString());
            assertEquals("[\"medhook-" + service.replace("-service", "") + "\"]", role.get("token_policies").toString());
            assertEquals(3600, role.get("token_ttl").asInt());
        }

        assertTransitKey("medhook-workflow", "aes256-gcm96", true);
        assertTransitKey("medhook-auth", "aes256-gcm96", true);
        assertTransitKey("medhook-audit-checkpoints", "ed25519", false);

        assertEquals(Set.of("service-clients/auth-service", "service-clients/workflow-service",
                "service-clients/audit-service", "oidc/flow-key", "config/auth-service"), secretsAfterFirst.keySet());
        assertTrue(secretsAfterFirst.get("service-clients/workflow-service").matches("[A-Za-z0-9_-]{43}"));
        assertEquals(32, java.util.Base64.getDecoder().decode(secretsAfterFirst.get("oidc/flow-key")).length);
        assertNotEquals(secretsAfterFirst.get("service-clients/auth-service"),
                secretsAfterFirst.get("service-clients/workflow-service"));

        assertEquals(Set.of(PREFIX + "auth", PREFIX + "workflow"), sys.databaseConfigs().keySet());
        assertEquals(Set.of("auth-service", "workflow-service"), sys.databaseRoles().keySet());
        for (String login : List.of("owner", "writer", "retention")) {
            assertEquals(AUDIT_PASSWORDS.get(login), get("secret/data/medhook/database/audit-" + login,
                    vault.rootToken()).path("data").path("data").path("password").asText());
        }
        assertFalse(sys.databaseConfigs().get(PREFIX + "workflow").has("password"));
    }

    @Test
    @Order(2)
    void printsNoSecret() {
        for (String secret : java.util.stream.Stream.concat(secretsAfterFirst.values().stream(),
                AUDIT_PASSWORDS.values().stream()).toList()) {
            assertFalse(first.output().contains(secret), "a generated secret appeared in the output");
        }
        assertFalse(first.output().contains(VAULT_DB_PASSWORD));
        assertFalse(first.output().contains(vault.rootToken()));
    }

    @Test
    @Order(3)
    void secondRunChangesNothing() throws Exception {
        var before = get("transit/keys/medhook-workflow", vault.rootToken()).path("data").path("latest_version").asInt();
        Run again = bootstrap(Map.of());
        assertEquals(0, again.exit(), again.output());
        assertEquals(secretsAfterFirst, kvValues(), "existing secrets are kept, not regenerated");
        for (String name : secretsAfterFirst.keySet()) {
            assertEquals(1, get("secret/metadata/medhook/" + name, vault.rootToken()).path("data")
                    .path("current_version").asInt(), name + " was written once");
        }
        assertEquals(1, get("secret/metadata/medhook/database/audit-writer", vault.rootToken()).path("data")
                .path("current_version").asInt(), "an unchanged password is not written again");
        assertEquals(before, get("transit/keys/medhook-workflow", vault.rootToken()).path("data")
                .path("latest_version").asInt());
        assertTrue(again.output().contains("exists, kept"), again.output());
    }

    @Test
    @Order(4)
    void serviceTokenReachesExactlyWhatItsPolicyAllows() throws Exception {
        sys.enforcePolicies();
        try {
            String token = login("workflow-service", "workflow-service");
            String plain = java.util.Base64.getEncoder().encodeToString("data key".getBytes(StandardCharsets.UTF_8));
            String context = java.util.Base64.getEncoder().encodeToString("ws/record".getBytes(StandardCharsets.UTF_8));
            var enc = post("transit/encrypt/medhook-workflow", token,
                    "{\"plaintext\":\"" + plain + "\",\"context\":\"" + context + "\"}");
            assertEquals(200, enc.statusCode(), enc.body());
            String ciphertext = JSON.readTree(enc.body()).path("data").path("ciphertext").asText();
            assertTrue(ciphertext.startsWith("vault:v1:"), ciphertext);
            var dec = post("transit/decrypt/medhook-workflow", token,
                    "{\"ciphertext\":\"" + ciphertext + "\",\"context\":\"" + context + "\"}");
            assertEquals(plain, JSON.readTree(dec.body()).path("data").path("plaintext").asText());
            assertEquals(200, status("GET", "secret/data/medhook/service-clients/workflow-service", token));
            assertEquals(200, status("GET", "auth/token/lookup-self", token), "Vault's default policy");

            assertEquals(403, post("transit/encrypt/medhook-auth", token,
                    "{\"plaintext\":\"" + plain + "\",\"context\":\"" + context + "\"}").statusCode());
            assertEquals(403, post("transit/keys/medhook-workflow/rotate", token, "{}").statusCode());
            assertEquals(403, status("GET", "secret/data/medhook/service-clients/auth-service", token));
            assertEquals(403, status("GET", "secret/data/medhook/oidc/flow-key", token));
            assertEquals(403, status("GET", "database/creds/audit-writer", token));
            assertEquals(403, status("GET", "sys/mounts", token));
            assertEquals(403, post("sys/policies/acl/medhook-workflow", token, "{\"policy\":\"path \\\"*\\\" "
                    + "{ capabilities = [\\\"sudo\\\"] }\"}").statusCode());
        } finally {
            vault.acl(null);
        }
    }

    @Test
    @Order(5)
    void rolesAreBoundToTheirServiceAccountAndNamespace() throws Exception {
        assertEquals(403, loginStatus("workflow-service", "audit-service", "medhook"));
        assertEquals(403, loginStatus("workflow-service", "workflow-service", "default"));
        assertEquals(200, loginStatus("audit-service", "audit-service", "medhook"));
    }

    @Test
    @Order(6)
    void dynamicLoginsOwnNothingAndLeaveTablesToTheServiceGroup() throws Exception {
        sys.enforcePolicies();
        try {
            String token = login("workflow-service", "workflow-service");
            var creds = get("database/creds/workflow-service", token);
            String user = creds.path("data").path("username").asText();
            String password = creds.path("data").path("password").asText();
            assertTrue(creds.path("lease_duration").asInt() == 3600, creds.toString());
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(PREFIX + "workflow"), user, password);
                    Statement s = c.createStatement()) {
                s.execute("create table flyway_like (id int)");
                try (ResultSet rs = s.executeQuery("select current_user, session_user, "
                        + "(select tableowner from pg_tables where tablename = 'flyway_like')")) {
                    rs.next();
                    assertEquals(PREFIX + "workflow", rs.getString(1), "the login acts as the group role");
                    assertEquals(user, rs.getString(2));
                    assertEquals(PREFIX + "workflow", rs.getString(3), "the table belongs to the group");
                }
            }
            // audit-service's writer: a fixed login whose password it reads from KV, acting as nothing else
            String audit = login("audit-service", "audit-service");
            String pw = get("secret/data/medhook/database/audit-writer", audit).path("data").path("data")
                    .path("password").asText();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(PREFIX + "audit"), PREFIX + "audit_writer", pw);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_user")) {
                rs.next();
                assertEquals(PREFIX + "audit_writer", rs.getString(1));
            }
            assertEquals(403, status("GET", "secret/data/medhook/database/audit-writer", token),
                    "workflow-service cannot read audit-service's database password");
            // the lease ends: Vault drops the login, the table stays with the group
            var revoke = post("sys/leases/revoke", vault.rootToken(),
                    "{\"lease_id\":\"" + creds.path("lease_id").asText() + "\"}");
            assertEquals(204, revoke.statusCode(), revoke.body());
            try (Connection c = LocalPostgres.connect(pg, PREFIX + "workflow"); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select (select count(*) from pg_roles where rolname = '" + user
                            + "'), (select tableowner from pg_tables where tablename = 'flyway_like')")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the dynamic login is gone");
                assertEquals(PREFIX + "workflow", rs.getString(2));
            }
        } finally {
            vault.acl(null);
        }
    }

    @Test
    @Order(7)
    void refusesAKvVersionOneMountAndStopsWithAClearMessage() throws Exception {
        try (VaultDouble other = VaultDouble.start()) {
            VaultSys otherSys = VaultSys.install(other);
            var made = HTTP.send(HttpRequest.newBuilder(URI.create(other.url() + "/v1/sys/mounts/secret"))
                    .header("X-Vault-Token", other.rootToken())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"kv\",\"options\":{\"version\":\"1\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, made.statusCode());
            Run run = bootstrap(Map.of("VAULT_ADDR", other.url(), "VAULT_TOKEN", other.rootToken()));
            assertEquals(1, run.exit(), run.output());
            assertTrue(run.output().contains("secret/ is KV version 1"), run.output());
            assertTrue(otherSys.policyTexts().isEmpty(), "nothing after the conflict was written");
            assertFalse(otherSys.auths().containsKey("kubernetes/"));
        }
    }

    @Test
    @Order(8)
    void refusesASealedVault() throws Exception {
        try (VaultDouble other = VaultDouble.start()) {
            VaultSys otherSys = VaultSys.install(other);
            other.seal();
            Run run = bootstrap(Map.of("VAULT_ADDR", other.url(), "VAULT_TOKEN", other.rootToken()));
            assertEquals(1, run.exit(), run.output());
            assertTrue(run.output().contains("is sealed"), run.output());
            assertTrue(otherSys.mounts().keySet().stream().noneMatch(m -> m.equals("secret/")));
        }
    }

    @Test
    @Order(9)
    void refusesAWrongTokenWithVaultsError() throws Exception {
        Run run = bootstrap(Map.of("VAULT_TOKEN", "hvs.not-a-token"));
        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("answered 403") && run.output().contains("permission denied"), run.output());
        assertFalse(run.output().contains("hvs.not-a-token"));
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    static Run bootstrap(Map<String, String> override) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", CONFIG.resolve("bootstrap.sh").toString());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MEDHOOK_") || k.startsWith("VAULT_"));
        env.put("VAULT_ADDR", vault.url());
        env.put("VAULT_TOKEN", vault.rootToken());
        env.put("MEDHOOK_DB_HOST", pg.host());
        env.put("MEDHOOK_DB_PORT", String.valueOf(pg.port()));
        env.put("MEDHOOK_DB_SSLMODE", "disable");
        env.put("MEDHOOK_DB_PREFIX", PREFIX);
        env.put("MEDHOOK_DB_ADMIN_USER", PREFIX + "vault");
        env.put("MEDHOOK_DB_ADMIN_PASSWORD", VAULT_DB_PASSWORD);
        env.put("MEDHOOK_AUDIT_DB_OWNER_PASSWORD", AUDIT_PASSWORDS.get("owner"));
        env.put("MEDHOOK_AUDIT_DB_WRITER_PASSWORD", AUDIT_PASSWORDS.get("writer"));
        env.put("MEDHOOK_AUDIT_DB_RETENTION_PASSWORD", AUDIT_PASSWORDS.get("retention"));
        env.putAll(override);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bootstrap did not finish");
        return new Run(p.exitValue(), out);
    }

    static void psql(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("psql", "-X", "-q", "-h", pg.host(), "-p", String.valueOf(pg.port()),
                "-U", pg.user(), "-d", "postgres"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (pg.password() != null) {
            pb.environment().put("PGPASSWORD", pg.password());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "psql failed: " + out);
    }

    static Map<String, String> kvValues() throws Exception {
        Map<String, String> values = new HashMap<>();
        for (String name : List.of("service-clients/auth-service", "service-clients/workflow-service",
                "service-clients/audit-service", "oidc/flow-key", "config/auth-service")) {
            JsonNode n = get("secret/data/medhook/" + name, vault.rootToken());
            if (n.has("data")) {
                JsonNode fields = n.path("data").path("data");
                values.put(name, fields.has("value") ? fields.get("value").asText()
                        : fields.path("medhook.auth.bootstrap.admin-password").asText());
            }
        }
        return values;
    }

    void assertTransitKey(String name, String type, boolean derived) throws Exception {
        JsonNode d = get("transit/keys/" + name, vault.rootToken()).path("data");
        assertEquals(type, d.path("type").asText(), name);
        assertEquals(derived, d.path("derived").asBoolean(), name);
        assertFalse(d.path("deletion_allowed").asBoolean(), name);
        assertFalse(d.path("exportable").asBoolean(), name);
    }

    static String login(String role, String serviceAccount) throws Exception {
        String jwt = vault.kubernetes().serviceAccountToken("medhook", serviceAccount);
        var r = HTTP.send(HttpRequest.newBuilder(URI.create(vault.url() + "/v1/auth/kubernetes/login"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\",\"jwt\":\"" + jwt + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("auth").path("client_token").asText();
    }

    static int loginStatus(String role, String serviceAccount, String namespace) throws Exception {
        String jwt = vault.kubernetes().serviceAccountToken(namespace, serviceAccount);
        return HTTP.send(HttpRequest.newBuilder(URI.create(vault.url() + "/v1/auth/kubernetes/login"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\",\"jwt\":\"" + jwt + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static JsonNode get(String path, String token) throws Exception {
        var r = HTTP.send(HttpRequest.newBuilder(URI.create(vault.url() + "/v1/" + path)).header("X-Vault-Token", token)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    static int status(String method, String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(vault.url() + "/v1/" + path)).header("X-Vault-Token", token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    static HttpResponse<String> post(String path, String token, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(vault.url() + "/v1/" + path)).header("X-Vault-Token", token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String suffix() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz";
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
