package io.medhook.auth.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Owner and admin operations need the role in the token AND in the database at the moment of the call; changes to a
 * user's standing revoke their sessions.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class PrivilegedOperationsTest {

    private static final String PASSWORD = "member-Pass-0001";

    private static String createUser(String owner) {
        String username = "u" + UUID.randomUUID().toString().substring(0, 8);
        return given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", PASSWORD))
                .post("/api/v1/users").then().statusCode(201)
                .body("username", equalTo(username)).body("owner", equalTo(false))
                .extract().path("id");
    }

    private static String login(String userId, String owner) {
        String username = given().auth().oauth2(owner).get("/api/v1/users").then().statusCode(200)
                .extract().path("items.find { it.id == '" + userId + "' }.username");
        return given().contentType(ContentType.JSON).body(Map.of("username", username, "password", PASSWORD))
                .post("/api/v1/auth/login").then().statusCode(200).extract().path("access_token");
    }

    private static String sandbox(String token) {
        return given().auth().oauth2(token).get("/api/v1/workspaces").then().statusCode(200)
                .extract().path("items.find { it.name == 'Sandbox' }.id");
    }

    private static boolean refusedWithin(String token, String path, Duration limit) throws InterruptedException {
        Instant end = Instant.now().plus(limit);
        while (Instant.now().isBefore(end)) {
            if (given().auth().oauth2(token).get(path).then().extract().statusCode() == 401) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void ownerManagesMembersAndRoleChangesRevokeTheMembersSessions() throws Exception {
        String owner = AuthTestSupport.adminToken();
        String ws = sandbox(owner);
        String userId = createUser(owner);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "editor"))
                .put("/api/v1/workspaces/" + ws + "/members/" + userId)
                .then().statusCode(200).body("role", equalTo("editor"));
        String member = login(userId, owner);
        given().auth().oauth2(member).get("/api/v1/workspaces").then().statusCode(200)
                .body("items.role", hasItem("editor"));
        given().auth().oauth2(owner).get("/api/v1/workspaces/" + ws + "/members").then().statusCode(200)
                .body("items.userId", hasItem(userId));

        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "viewer"))
                .put("/api/v1/workspaces/" + ws + "/members/" + userId).then().statusCode(200);
        assertTrue(refusedWithin(member, "/api/v1/auth/me", Duration.ofSeconds(5)),
                "a role change revokes the member's sessions");
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from audit_outbox where payload like '%membership.role.change%' and payload like '%"
                        + userId + "%'")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void nonAdminMembersCannotManageMembersAndOutsidersSee404() {
        String owner = AuthTestSupport.adminToken();
        String ws = sandbox(owner);
        String userId = createUser(owner);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "editor"))
                .put("/api/v1/workspaces/" + ws + "/members/" + userId).then().statusCode(200);
        String editor = login(userId, owner);
        given().auth().oauth2(editor).get("/api/v1/workspaces/" + ws + "/members").then().statusCode(403);
        String outsider = login(createUser(owner), owner);
        given().auth().oauth2(outsider).get("/api/v1/workspaces/" + ws + "/members").then().statusCode(404);
        given().auth().oauth2(editor).get("/api/v1/users").then().statusCode(403);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "superuser"))
                .put("/api/v1/workspaces/" + ws + "/members/" + userId).then().statusCode(400);
    }

    @Test
    void aDisabledUserIsLockedOutAtOnceAndCannotLogIn() throws Exception {
        String owner = AuthTestSupport.adminToken();
        String userId = createUser(owner);
        String token = login(userId, owner);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("disabled", true))
                .patch("/api/v1/users/" + userId).then().statusCode(200).body("disabled", equalTo(true));
        assertTrue(refusedWithin(token, "/api/v1/auth/me", Duration.ofSeconds(5)));
        String username = given().auth().oauth2(owner).get("/api/v1/users").then()
                .extract().path("items.find { it.id == '" + userId + "' }.username");
        given().contentType(ContentType.JSON).body(Map.of("username", username, "password", PASSWORD))
                .post("/api/v1/auth/login").then().statusCode(401);
    }

    @Test
    void aDemotedOwnersUnexpiredTokenCannotActAsOwner() throws Exception {
        String owner = AuthTestSupport.adminToken();
        String userId = createUser(owner);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("owner", true))
                .patch("/api/v1/users/" + userId).then().statusCode(200).body("owner", equalTo(true));
        String second = login(userId, owner);
        given().auth().oauth2(second).get("/api/v1/users").then().statusCode(200);
        // demote directly in the database: no revocation is published, only the database says "not an owner"
        try (Connection c = PostgresTestResource.jdbc()) {
            c.createStatement().executeUpdate("update app_user set owner = false where id = '" + userId + "'");
        }
        given().auth().oauth2(second).get("/api/v1/users").then().statusCode(403)
                .contentType("application/problem+json");
        given().auth().oauth2(second).contentType(ContentType.JSON).body(Map.of("name", "x-" + userId, "kind", "sandbox"))
                .post("/api/v1/workspaces").then().statusCode(403);
    }

    @Test
    void ownersCannotLockThemselvesOut() {
        String owner = AuthTestSupport.adminToken();
        String me = given().auth().oauth2(owner).get("/api/v1/auth/me").then().extract().path("id");
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("disabled", true))
                .patch("/api/v1/users/" + me).then().statusCode(409);
    }

    @Test
    void ownerRevokesAnotherUsersSession() throws Exception {
        String owner = AuthTestSupport.adminToken();
        String userId = createUser(owner);
        String token = login(userId, owner);
        String sid = given().auth().oauth2(owner).get("/api/v1/users/" + userId + "/sessions").then().statusCode(200)
                .extract().path("items[0].id");
        given().auth().oauth2(owner).delete("/api/v1/users/" + userId + "/sessions/" + sid).then().statusCode(204);
        assertTrue(refusedWithin(token, "/api/v1/auth/me", Duration.ofSeconds(5)));
        given().auth().oauth2(owner).delete("/api/v1/users/" + UUID.randomUUID() + "/sessions/" + sid)
                .then().statusCode(404);
    }

    @Test
    void weakPasswordsAndDuplicateUsernamesAreRefused() {
        String owner = AuthTestSupport.adminToken();
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("username", "shorty", "password", "short"))
                .post("/api/v1/users").then().statusCode(400).body("errors.field", hasItem("password"));
        given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", "long-enough-password"))
                .post("/api/v1/users").then().statusCode(409);
    }

    @Test
    void repeatedFailedLoginsAreThrottledPerAccount() {
        String username = "nobody-" + UUID.randomUUID().toString().substring(0, 6);
        for (int i = 0; i < 5; i++) {
            given().contentType(ContentType.JSON).body(Map.of("username", username, "password", "wrong-password-x"))
                    .post("/api/v1/auth/login").then().statusCode(401);
        }
        given().contentType(ContentType.JSON).body(Map.of("username", username, "password", "wrong-password-x"))
                .post("/api/v1/auth/login").then().statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void keyRotationKeepsOldTokensValidAndSignsNewOnesWithTheNewKey() {
        String before = AuthTestSupport.adminToken();
        String oldKid = io.restassured.path.json.JsonPath.from(AuthTestSupport.segment(before, 0)).getString("kid");
        String newKid = given().auth().oauth2(before).post("/api/v1/auth/keys/rotate").then().statusCode(200)
                .extract().path("kid");
        org.junit.jupiter.api.Assertions.assertNotEquals(oldKid, newKid);
        given().get("/.well-known/jwks.json").then().body("keys.kid", hasItem(oldKid)).body("keys.kid", hasItem(newKid));
        given().auth().oauth2(before).get("/api/v1/auth/me").then().statusCode(200);
        String after = AuthTestSupport.adminToken();
        assertEquals(newKid, io.restassured.path.json.JsonPath.from(AuthTestSupport.segment(after, 0)).getString("kid"));
        given().auth().oauth2(after).get("/api/v1/auth/me").then().statusCode(200);
    }
}
