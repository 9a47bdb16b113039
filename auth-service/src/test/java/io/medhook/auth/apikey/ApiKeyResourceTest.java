package io.medhook.auth.apikey;

import static io.medhook.auth.apikey.ApiKeyTestSupport.create;
import static io.medhook.auth.apikey.ApiKeyTestSupport.member;
import static io.medhook.auth.apikey.ApiKeyTestSupport.workspaceId;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ApiKeyResourceTest {

    @Inject
    TokenIssuer issuer;

    private static String keys(String ws) {
        return "/api/v1/workspaces/" + ws + "/api-keys";
    }

    // --- create, list, revoke, rotate

    @Test
    void createsASandboxKeyShownOnceWithTheSandboxPrefix() {
        String ws = workspaceId("sandbox");
        Instant expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "editor", expires);
        String key = created.getString("key");
        assertTrue(key.startsWith("mh_sk_sbx_"), "sandbox keys start with mh_sk_sbx_");
        assertEquals("mh_sk_sbx_".length() + 54, key.length());
        assertEquals(key.substring(0, "mh_sk_sbx_".length() + 8), created.getString("prefix"));
        assertEquals("editor", created.getString("role"));
        assertEquals(expires, Instant.parse(created.getString("expiresAt")));
        assertNotNull(created.getString("createdAt"));

        String listed = given().auth().oauth2(AuthTestSupport.adminToken()).get(keys(ws))
                .then().statusCode(200)
                .body("items.find { it.id == '" + created.getString("id") + "' }.prefix",
                        equalTo(created.getString("prefix")))
                .body("items.find { it.id == '" + created.getString("id") + "' }.role", equalTo("editor"))
                .body("items.find { it.id == '" + created.getString("id") + "' }.lastUsedAt", nullValue())
                .body("items.find { it.id == '" + created.getString("id") + "' }.revokedAt", nullValue())
                .extract().asString();
        assertFalse(listed.contains(key.substring(key.length() - 40)), "the list never shows the key");
        assertFalse(listed.contains("\"key\""), "no key field in the list");
        assertFalse(listed.contains("keyHash") || listed.contains("key_hash"), "no hash in the list");
    }

    @Test
    void productionKeysStartWithLive() {
        String key = create(AuthTestSupport.adminToken(), workspaceId("production"), "viewer", null).getString("key");
        assertTrue(key.startsWith("mh_sk_live_"), "production keys start with mh_sk_live_");
    }

    @Test
    void onlyTheSha256AndADisplayPrefixAreStored() throws Exception {
        JsonPath created = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "viewer", null);
        String key = created.getString("key");
        String secretPart = key.substring(created.getString("prefix").length());
        try (Connection c = PostgresTestResource.jdbc();
                PreparedStatement st = c.prepareStatement(
                        "select key_hash, prefix, row_to_json(k)::text from api_key k where id = ?")) {
            st.setObject(1, UUID.fromString(created.getString("id")));
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                byte[] sha = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
                assertArrayEquals(sha, rs.getBytes(1), "key_hash is the SHA-256 of the full key");
                assertEquals(created.getString("prefix"), rs.getString(2));
                String row = rs.getString(3);
                assertFalse(row.contains(secretPart), "no column holds the key's secret part");
                assertFalse(row.contains(hex(key.getBytes(StandardCharsets.UTF_8))), "nor its bytes");
            }
        }
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from audit_outbox where payload like '%" + secretPart + "%'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the key is in no audit event");
        }
    }

    @Test
    void apiKeyIsABearerCredentialWithTheApiKeyPrincipal() {
        String ws = workspaceId("sandbox");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "editor", null);
        given().auth().oauth2(created.getString("key")).get("/api/v1/auth/me")
                .then().statusCode(200)
                .body("kind", equalTo("api-key"))
                .body("id", equalTo(created.getString("id")))
                .body("name", equalTo(created.getString("name")))
                .body("workspaces", equalTo(Map.of(ws, "editor")));
        // the use is recorded (at most once a minute) and listed
        given().auth().oauth2(AuthTestSupport.adminToken()).get(keys(ws)).then().statusCode(200)
                .body("items.find { it.id == '" + created.getString("id") + "' }.lastUsedAt", notNullValue());
    }

    @Test
    void revokedKeyStopsWorkingWithinFiveSeconds() throws Exception {
        String ws = workspaceId("production");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "viewer", null);
        String key = created.getString("key");
        given().auth().oauth2(key).get("/api/v1/auth/me").then().statusCode(200);
        given().auth().oauth2(AuthTestSupport.adminToken()).delete(keys(ws) + "/" + created.getString("id"))
                .then().statusCode(204);
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status;
        do {
            status = given().auth().oauth2(key).get("/api/v1/auth/me").statusCode();
            if (status != 401) {
                Thread.sleep(200);
            }
        } while (status != 401 && System.nanoTime() < deadline);
        assertEquals(401, status, "a revoked key is refused within 5 seconds");
        given().auth().oauth2(AuthTestSupport.adminToken()).get(keys(ws)).then().statusCode(200)
                .body("items.find { it.id == '" + created.getString("id") + "' }.revokedAt", notNullValue());
        // revoking again changes nothing
        given().auth().oauth2(AuthTestSupport.adminToken()).delete(keys(ws) + "/" + created.getString("id"))
                .then().statusCode(204);
    }

    @Test
    void rotationIssuesANewKeyWithTheSameSettingsAndRevokesTheOld() throws Exception {
        String ws = workspaceId("sandbox");
        Instant expires = Instant.now().plus(7, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        JsonPath old = create(AuthTestSupport.adminToken(), ws, "auditor", expires);
        given().auth().oauth2(old.getString("key")).get("/api/v1/auth/me").then().statusCode(200);
        JsonPath fresh = given().auth().oauth2(AuthTestSupport.adminToken())
                .post(keys(ws) + "/" + old.getString("id") + "/rotate")
                .then().statusCode(201).extract().jsonPath();
        assertNotEquals(old.getString("id"), fresh.getString("id"));
        assertNotEquals(old.getString("key"), fresh.getString("key"));
        assertTrue(fresh.getString("key").startsWith("mh_sk_sbx_"));
        assertEquals(old.getString("name"), fresh.getString("name"));
        assertEquals("auditor", fresh.getString("role"));
        assertEquals(expires, Instant.parse(fresh.getString("expiresAt")));
        given().auth().oauth2(old.getString("key")).get("/api/v1/auth/me").then().statusCode(401);
        given().auth().oauth2(fresh.getString("key")).get("/api/v1/auth/me").then().statusCode(200)
                .body("workspaces", equalTo(Map.of(ws, "auditor")));
        given().auth().oauth2(AuthTestSupport.adminToken()).get(keys(ws)).then().statusCode(200)
                .body("items.find { it.id == '" + old.getString("id") + "' }.revokedAt", notNullValue())
                .body("items.find { it.id == '" + fresh.getString("id") + "' }.revokedAt", nullValue());
        given().auth().oauth2(AuthTestSupport.adminToken())
                .post(keys(ws) + "/" + old.getString("id") + "/rotate")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void expiredKeyIsRefused() throws Exception {
        String ws = workspaceId("sandbox");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "viewer", Instant.now().plusSeconds(3600));
        ApiKeyTestSupport.setExpiry(created.getString("id"), Instant.now().minusSeconds(60));
        given().auth().oauth2(created.getString("key")).get("/api/v1/auth/me").then().statusCode(401)
                .contentType("application/problem+json");
        given().auth().oauth2(AuthTestSupport.adminToken())
                .post(keys(ws) + "/" + created.getString("id") + "/rotate")
                .then().statusCode(409);
    }

    @Test
    void unknownKeyIsRefused() {
        given().auth().oauth2("mh_sk_sbx_" + "A".repeat(54)).get("/api/v1/auth/me").then().statusCode(401);
        given().auth().oauth2("mh_sk_live_nonsense").get("/api/v1/auth/me").then().statusCode(401);
    }

    @Test
    void unknownKeyIdIs404() {
        String ws = workspaceId("sandbox");
        given().auth().oauth2(AuthTestSupport.adminToken()).delete(keys(ws) + "/" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(AuthTestSupport.adminToken()).delete(keys(ws) + "/not-a-uuid").then().statusCode(404);
        given().auth().oauth2(AuthTestSupport.adminToken()).post(keys(ws) + "/" + UUID.randomUUID() + "/rotate")
                .then().statusCode(404);
    }

    @Test
    void keyOfAnotherWorkspaceIsInvisible() {
        JsonPath created = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "viewer", null);
        given().auth().oauth2(AuthTestSupport.adminToken())
                .delete(keys(workspaceId("production")) + "/" + created.getString("id"))
                .then().statusCode(404);
    }

    // --- validation

    @Test
    void expiryInThePastIs422() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", "old", "role", "viewer", "expiresAt", Instant.now().minusSeconds(5).toString()))
                .post(keys(workspaceId("sandbox")))
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", hasItem("expiresAt"));
    }

    @Test
    void unknownRoleIs400() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "role", "owner"))
                .post(keys(workspaceId("sandbox")))
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("role"));
    }

    @Test
    void missingNameIs400() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("role", "viewer"))
                .post(keys(workspaceId("sandbox")))
                .then().statusCode(400).body("errors.field", hasItem("name"));
    }

    @Test
    void malformedExpiryIs400() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "role", "viewer", "expiresAt", "tomorrow"))
                .post(keys(workspaceId("sandbox")))
                .then().statusCode(400).contentType("application/problem+json");
    }

    // --- who may manage keys

    @Test
    void noTokenIs401() {
        String ws = workspaceId("sandbox");
        given().get(keys(ws)).then().statusCode(401).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer")).post(keys(ws))
                .then().statusCode(401);
        given().delete(keys(ws) + "/" + UUID.randomUUID()).then().statusCode(401);
        given().post(keys(ws) + "/" + UUID.randomUUID() + "/rotate").then().statusCode(401);
    }

    @Test
    void nonMemberGets404() throws Exception {
        String ws = workspaceId("sandbox");
        String outsider = member(issuer, ws, null, null);
        given().auth().oauth2(outsider).get(keys(ws)).then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(outsider).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer"))
                .post(keys(ws)).then().statusCode(404);
    }

    @Test
    void weakerMemberGets403() throws Exception {
        String ws = workspaceId("sandbox");
        String editor = member(issuer, ws, "editor", "editor");
        given().auth().oauth2(editor).get(keys(ws)).then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer"))
                .post(keys(ws)).then().statusCode(403);
    }

    @Test
    void adminInTokenAndDatabaseManagesKeys() throws Exception {
        String ws = workspaceId("production");
        String admin = member(issuer, ws, "admin", "admin");
        JsonPath created = create(admin, ws, "admin", null);
        given().auth().oauth2(admin).get(keys(ws)).then().statusCode(200)
                .body("items.id", hasItem(created.getString("id")));
        given().auth().oauth2(admin).delete(keys(ws) + "/" + created.getString("id")).then().statusCode(204);
    }

    @Test
    void demotedAdminsUnexpiredTokenIsRefused() throws Exception {
        String ws = workspaceId("sandbox");
        String demoted = member(issuer, ws, "viewer", "admin");
        given().auth().oauth2(demoted).get(keys(ws)).then().statusCode(403);
        given().auth().oauth2(demoted).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer"))
                .post(keys(ws)).then().statusCode(403);
    }

    @Test
    void adminClaimWithoutMembershipInTheDatabaseIs404() throws Exception {
        String ws = workspaceId("sandbox");
        String removed = member(issuer, ws, null, "admin");
        given().auth().oauth2(removed).get(keys(ws)).then().statusCode(404);
    }

    @Test
    void ownerClaimTheDatabaseDoesNotConfirmGivesNoAccess() throws Exception {
        String ws = workspaceId("sandbox");
        String forged = issuer.user(UUID.randomUUID().toString(), "nobody", UUID.randomUUID().toString(),
                List.of("owner"), Map.of()).token();
        given().auth().oauth2(forged).get(keys(ws)).then().statusCode(404);
    }

    @Test
    void unknownWorkspaceIs404ForOwners() {
        given().auth().oauth2(AuthTestSupport.adminToken()).get(keys(UUID.randomUUID().toString()))
                .then().statusCode(404);
        given().auth().oauth2(AuthTestSupport.adminToken()).get(keys("not-a-uuid")).then().statusCode(404);
    }

    @Test
    void serviceTokenCannotManageKeys() {
        String t = issuer.service("workflow-service", "medhook-auth").token();
        given().auth().oauth2(t).get(keys(workspaceId("sandbox"))).then().statusCode(403);
    }

    @Test
    void apiKeysCannotManageApiKeys() {
        String ws = workspaceId("sandbox");
        String key = create(AuthTestSupport.adminToken(), ws, "admin", null).getString("key");
        given().auth().oauth2(key).get(keys(ws)).then().statusCode(403);
        given().auth().oauth2(key).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer"))
                .post(keys(ws)).then().statusCode(403);
    }

    @Test
    void sandboxKeyCannotTouchAProductionWorkspace() {
        String sandbox = workspaceId("sandbox");
        String production = workspaceId("production");
        String key = create(AuthTestSupport.adminToken(), sandbox, "admin", null).getString("key");
        given().auth().oauth2(key).get("/api/v1/auth/me").then().statusCode(200)
                .body("workspaces", equalTo(Map.of(sandbox, "admin")));
        given().auth().oauth2(key).get(keys(production)).then().statusCode(404);
        given().auth().oauth2(key).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer"))
                .post(keys(production)).then().statusCode(404);
    }

    // --- audit

    @Test
    void createRevokeAndRotateAreAuditedWithoutTheKey() throws Exception {
        String ws = workspaceId("sandbox");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "editor", null);
        JsonPath rotated = given().auth().oauth2(AuthTestSupport.adminToken())
                .post(keys(ws) + "/" + created.getString("id") + "/rotate")
                .then().statusCode(201).extract().jsonPath();
        given().auth().oauth2(AuthTestSupport.adminToken()).delete(keys(ws) + "/" + rotated.getString("id"))
                .then().statusCode(204);
        List<String> payloads = payloads(created.getString("id"), rotated.getString("id"));
        assertTrue(payloads.stream().anyMatch(p -> p.contains("\"action\":\"api-key.create\"")
                && p.contains(created.getString("id")) && p.contains("\"keyHash\":\"[secret]\"")),
                "create is audited, its hash masked as declared on ApiKeyAudit");
        assertTrue(payloads.stream().anyMatch(p -> p.contains("\"action\":\"api-key.rotate\"")
                && p.contains("\"before\":{\"id\":\"" + created.getString("id") + "\"")
                && p.contains("\"after\":{\"id\":\"" + rotated.getString("id") + "\"")
                && p.contains("\"keyHash\":\"[secret]\"")), "rotate is audited: the key's hash changed, masked");
        assertTrue(payloads.stream().anyMatch(p -> p.contains("\"action\":\"api-key.revoke\"")
                && p.contains(rotated.getString("id"))), "revoke is audited");
        for (String p : payloads) {
            assertTrue(p.contains("\"workspaceId\":\"" + ws + "\""));
            assertFalse(p.contains(created.getString("key").substring(18)), "never the first key");
            assertFalse(p.contains(rotated.getString("key").substring(18)), "never the rotated key");
        }
    }

    @Test
    void firstUseOfTheDayIsAuditedOnce() throws Exception {
        String ws = workspaceId("production");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "viewer", null);
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(created.getString("key")).get("/api/v1/auth/me").then().statusCode(200);
        }
        long uses = payloads(created.getString("id")).stream()
                .filter(p -> p.contains("\"action\":\"api-key.use\"")).count();
        assertEquals(1, uses);
    }

    private static List<String> payloads(String... ids) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select payload from audit_outbox where payload like '%api-key.%' order by seq")) {
            while (rs.next()) {
                String p = rs.getString(1);
                for (String id : ids) {
                    if (p.contains(id)) {
                        out.add(p);
                        break;
                    }
                }
            }
        }
        return out;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
