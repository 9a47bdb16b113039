package io.medhook.auth.user;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** User events in the outbox carry the change as declared on {@link UserAudit}: the password hash is masked. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class UserAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void createdUserEventMasksThePasswordHash() throws Exception {
        String password = "user-Audit-Pass-" + UUID.randomUUID().toString().substring(0, 8);
        String id = createUser(password);
        String storedHash;
        try (Connection c = PostgresTestResource.jdbc();
                PreparedStatement ps = c.prepareStatement("select password_hash from app_user where id = ?")) {
            ps.setObject(1, UUID.fromString(id));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                storedHash = rs.getString(1);
            }
        }
        List<JsonNode> events = events("user.create", id);
        assertEquals(1, events.size());
        JsonNode event = events.get(0);
        JsonNode after = event.path("change").path("after");
        assertEquals("[secret]", after.path("passwordHash").asText(), "the declared secret is masked");
        assertTrue(after.path("username").asText().startsWith("audit"), "clear fields are kept");
        assertFalse(after.path("owner").asBoolean());
        String text = event.toString();
        assertFalse(text.contains(storedHash), "never the hash");
        assertFalse(text.contains("$argon2id$"), "nor any part of it");
        assertFalse(text.contains(password), "nor the password");
    }

    @Test
    void updateRecordsOnlyTheChangedFields() throws Exception {
        String id = createUser("user-Audit-Pass-0002");
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("displayName", "Renamed", "disabled", false))
                .patch("/api/v1/users/" + id).then().statusCode(200);
        List<JsonNode> events = events("user.update", id);
        assertEquals(1, events.size());
        JsonNode change = events.get(0).path("change");
        assertEquals("{\"displayName\":\"Audit user\"}", change.path("before").toString());
        assertEquals("{\"displayName\":\"Renamed\"}", change.path("after").toString());
    }

    private static String createUser(String password) {
        String username = "audit" + UUID.randomUUID().toString().substring(0, 8);
        return given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("username", username, "displayName", "Audit user", "password", password))
                .post("/api/v1/users").then().statusCode(201).extract().path("id");
    }

    private static List<JsonNode> events(String action, String userId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select payload from audit_outbox where payload like ? and payload like ? order by seq")) {
            ps.setString(1, "%\"action\":\"" + action + "\"%");
            ps.setString(2, "%\"resource\":{\"type\":\"user\",\"id\":\"" + userId + "\"}%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return out;
    }
}
