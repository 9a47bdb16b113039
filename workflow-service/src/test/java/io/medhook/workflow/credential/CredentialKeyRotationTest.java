package io.medhook.workflow.credential;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.credential.CredentialTestSupport.body;
import static io.medhook.workflow.credential.CredentialTestSupport.post;
import static io.medhook.workflow.credential.CredentialTestSupport.secret;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.problem.MedhookException;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Rotation of the key-encryption key with a versioned KEK ({@link KeyVersionsDouble}): old credentials keep decrypting
 * after the rotation, new ones are wrapped by the new version, the re-wrap job moves every data key to the new version
 * in batches while reads go on, after which the old version can be retired.
 */
@QuarkusTest
@TestProfile(KeyRotationProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class CredentialKeyRotationTest {

    private static final String REWRAP = "/api/v1/admin/credential-keys/rewrap";

    @Inject
    KeyVersionsDouble kek;

    @Inject
    CredentialVault vault;

    @Test
    void rewrapMovesEveryDataKeyToTheNewKeyVersionWithoutReencryptingOrStoppingReads() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            String t = secret("old" + i);
            tokens.put(post(ws, editor, body("bearer", Map.of("token", t))).then().statusCode(201)
                    .extract().path("id"), t);
        }
        String damaged = post(ws, editor, body("bearer", Map.of("token", secret("d")))).then().statusCode(201)
                .extract().path("id");
        Map<String, byte[]> ciphertexts = column("secrets_enc");
        tokens.keySet().forEach(id -> assertTrue(wrapped(id).startsWith("double:v1:")));

        int v2 = kek.rotate();
        assertEquals(2, v2);
        // old credentials still decrypt (v1 is still held), new ones are wrapped by v2
        for (var e : tokens.entrySet()) {
            assertEquals(e.getValue(), resolve(ws, e.getKey()).value("token"));
        }
        String fresh = secret("new");
        String freshId = post(ws, editor, body("bearer", Map.of("token", fresh))).then().statusCode(201)
                .extract().path("id");
        assertTrue(wrapped(freshId).startsWith("double:v2:"));
        tokens.put(freshId, fresh);
        // a row whose wrapped key belongs to another credential cannot be re-wrapped: reported, the rest goes on
        copyWrappedKey(tokens.keySet().iterator().next(), damaged);

        String owner = TestIssuer.current().user("owner-" + UUID.randomUUID(), Map.of(), "owner");
        CompletableFuture<JsonPath> job = CompletableFuture.supplyAsync(() -> given().auth().oauth2(owner)
                .post(REWRAP).then().statusCode(200).extract().jsonPath());
        List<String> readErrors = new ArrayList<>();
        while (!job.isDone()) {
            for (var e : tokens.entrySet()) {
                if (!e.getValue().equals(resolve(ws, e.getKey()).value("token"))) {
                    readErrors.add(e.getKey());
                }
            }
        }
        JsonPath report = job.get();
        assertEquals(List.of(), readErrors, "reads during the re-wrap");
        assertEquals("double:v2", report.getString("currentKey"));
        assertEquals(10, report.getInt("scanned"));
        assertEquals(8, report.getInt("rewrapped"));
        assertEquals(1, report.getInt("alreadyCurrent"));
        assertEquals(List.of(damaged), report.getList("failed"));

        tokens.keySet().forEach(id -> assertTrue(wrapped(id).startsWith("double:v2:"), "re-wrapped under v2"));
        Map<String, byte[]> after = column("secrets_enc");
        ciphertexts.forEach((id, ct) -> assertArrayEquals(ct, after.get(id), "the data key and ciphertext stay"));

        // v1 retired: every re-wrapped credential still decrypts
        kek.retireBelow(2);
        for (var e : tokens.entrySet()) {
            assertEquals(e.getValue(), resolve(ws, e.getKey()).value("token"));
        }
        assertThrows(MedhookException.class, () -> resolve(ws, damaged));

        // a second run has nothing left to do
        JsonPath again = given().auth().oauth2(owner).post(REWRAP).then().statusCode(200).extract().jsonPath();
        assertEquals(9, again.getInt("alreadyCurrent"));
        assertEquals(0, again.getInt("rewrapped"));
        assertTrue(outboxHas("credential.keys.rewrap"));
    }

    @Test
    void onlyTheInstanceOwnerMayRewrap() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "admin")).post(REWRAP).then().statusCode(403);
        given().post(REWRAP).then().statusCode(401);
    }

    private ResolvedCredential resolve(String ws, String id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> vault.resolve(UUID.fromString(ws), UUID.fromString(id)));
    }

    private static String wrapped(String id) {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select data_key_wrapped from credential where id = ?")) {
            ps.setObject(1, UUID.fromString(id));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, byte[]> column(String column) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select id, " + column + " from credential")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        return m;
    }

    private static void copyWrappedKey(String from, String to) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "update credential set data_key_wrapped = (select data_key_wrapped from credential where id = ?)"
                        + " where id = ?")) {
            ps.setObject(1, UUID.fromString(from));
            ps.setObject(2, UUID.fromString(to));
            assertEquals(1, ps.executeUpdate());
        }
    }

    private static boolean outboxHas(String action) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from audit_outbox where payload like ?")) {
            ps.setString(1, "%\"action\":\"" + action + "\"%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }
}
