package io.medhook.auth.login;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class LoginResourceTest {

    @Test
    void adminLogsInAndReceivesATwoHourRs256Token() {
        String token = given().contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", AuthTestSupport.ADMIN_PASSWORD))
                .post("/api/v1/auth/login")
                .then().statusCode(200)
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(7200))
                .extract().path("access_token");
        JsonPath header = JsonPath.from(AuthTestSupport.segment(token, 0));
        JsonPath claims = JsonPath.from(AuthTestSupport.segment(token, 1));
        assertEquals("RS256", header.getString("alg"));
        String kid = header.getString("kid");
        given().get("/.well-known/jwks.json").then().statusCode(200).body("keys.kid", hasItem(kid));
        assertEquals("urn:medhook:auth", claims.getString("iss"));
        assertEquals("medhook-api", claims.getString("aud"));
        assertEquals(7200L, claims.getLong("exp") - claims.getLong("iat"));
        assertNotNull(claims.getString("jti"));
        assertNotNull(claims.getString("sid"));
        assertEquals("user", claims.getString("mht"));
        assertTrue(claims.getList("roles").contains("owner"));
        // the two workspaces made at first start, and any other test made (the admin creates them, so it is admin)
        java.util.List<String> memberOf = given().auth().oauth2(token).get("/api/v1/workspaces").then().statusCode(200)
                .extract().path("items.id");
        assertEquals(new java.util.HashSet<>(memberOf), claims.getMap("ws").keySet());
        assertTrue(memberOf.size() >= 2);
    }

    @Test
    void wrongPasswordIsRefusedWithProblemAndAudited() throws Exception {
        given().contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", "not-the-password"))
                .post("/api/v1/auth/login")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("status", equalTo(401))
                .body("detail", equalTo("Invalid username or password"));
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery(
                        "select payload from audit_outbox where payload like '%auth.login%' and payload like '%failure%'")) {
            assertTrue(rs.next(), "a failed login leaves an audit event");
            assertFalse(rs.getString(1).contains("not-the-password"), "the attempted password is never recorded");
        }
    }

    @Test
    void unknownUserGetsTheSameAnswerAsAWrongPassword() {
        given().contentType(ContentType.JSON)
                .body(Map.of("username", "nobody", "password", "whatever-password"))
                .post("/api/v1/auth/login")
                .then().statusCode(401)
                .body("detail", equalTo("Invalid username or password"));
    }

    @Test
    void malformedJsonIsA400Problem() {
        given().contentType(ContentType.JSON).body("{\"username\": \"admin\", ")
                .post("/api/v1/auth/login")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://medhook.io/problems/bad-request"))
                .body("detail", containsString("not valid JSON"));
    }

    @Test
    void missingFieldsAreNamed() {
        given().contentType(ContentType.JSON).body(Map.of("username", "admin"))
                .post("/api/v1/auth/login")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("password"));
    }

    @Test
    void logoutRevokesTheSession() throws Exception {
        String token = AuthTestSupport.adminToken();
        String sid = JsonPath.from(AuthTestSupport.segment(token, 1)).getString("sid");
        given().auth().oauth2(token).post("/api/v1/auth/logout").then().statusCode(204)
                .header("Set-Cookie", org.hamcrest.Matchers.notNullValue())
                .cookie("medhook_session", "").cookie("medhook_csrf", "");
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery(
                        "select revoked_at from login_session where id = '" + sid + "'")) {
            assertTrue(rs.next());
            assertNotNull(rs.getTimestamp(1));
        }
        // and it is audited as a logout of that session, by the user
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery("select payload from audit_outbox"
                        + " where payload like '%auth.logout%' and payload like '%" + sid + "%'")) {
            assertTrue(rs.next(), "no auth.logout event for the session");
            JsonPath event = JsonPath.from(rs.getString(1));
            assertEquals("session", event.getString("resource.type"));
            assertEquals(sid, event.getString("resource.id"));
            assertEquals("user", event.getString("actor.type"));
            assertEquals("logout", event.getString("change.after.reason"));
        }
    }

    @Test
    void logoutWithoutTokenIs401() {
        given().post("/api/v1/auth/logout").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", notNullValue());
    }

    @Test
    void meDescribesTheCaller() {
        given().auth().oauth2(AuthTestSupport.adminToken()).get("/api/v1/auth/me")
                .then().statusCode(200)
                .body("name", equalTo("admin"))
                .body("kind", equalTo("user"));
    }
}
