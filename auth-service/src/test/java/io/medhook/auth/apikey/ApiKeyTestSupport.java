package io.medhook.auth.apikey;

import static io.restassured.RestAssured.given;

import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.testing.PostgresTestResource;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Workspaces, users with memberships written straight to the database, and keys, for the API-key tests. */
final class ApiKeyTestSupport {

    private ApiKeyTestSupport() {
    }

    static String workspaceId(String kind) {
        List<Map<String, Object>> items = given().auth().oauth2(AuthTestSupport.adminToken()).get("/api/v1/workspaces")
                .then().statusCode(200).extract().path("items");
        String name = "sandbox".equals(kind) ? "Sandbox" : "Production";
        return items.stream().filter(w -> name.equals(w.get("name")) && kind.equals(w.get("kind")))
                .map(w -> (String) w.get("id")).findFirst().orElseThrow();
    }

    static JsonPath create(String token, String ws, String role, Instant expiresAt) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", "key " + UUID.randomUUID());
        body.put("role", role);
        if (expiresAt != null) {
            body.put("expiresAt", expiresAt.toString());
        }
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .post("/api/v1/workspaces/" + ws + "/api-keys")
                .then().statusCode(201).extract().jsonPath();
    }

    /**
     * A user who exists in the database with a login session and, when {@code dbRole} is given, that membership in
     * {@code ws}; the returned token claims {@code tokenRole} in {@code ws} (or nothing when null).
     */
    static String member(TokenIssuer issuer, String ws, String dbRole, String tokenRole) throws Exception {
        UUID user = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        String username = "u-" + user;
        try (Connection c = PostgresTestResource.jdbc()) {
            try (PreparedStatement st = c.prepareStatement("insert into app_user(id, username, display_name, "
                    + "created_at, updated_at) values (?, ?, ?, now(), now())")) {
                st.setObject(1, user);
                st.setString(2, username);
                st.setString(3, username);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("insert into login_session(id, user_id, created_at, "
                    + "expires_at) values (?, ?, now(), now() + interval '2 hours')")) {
                st.setObject(1, session);
                st.setObject(2, user);
                st.executeUpdate();
            }
            if (dbRole != null) {
                try (PreparedStatement st = c.prepareStatement("insert into membership(user_id, workspace_id, role, "
                        + "created_at) values (?, ?, ?, now())")) {
                    st.setObject(1, user);
                    st.setObject(2, UUID.fromString(ws));
                    st.setString(3, dbRole);
                    st.executeUpdate();
                }
            }
        }
        Map<String, String> claims = tokenRole == null ? Map.of() : Map.of(ws, tokenRole);
        return issuer.user(user.toString(), username, session.toString(), List.of(), claims).token();
    }

    static void setExpiry(String keyId, Instant expiresAt) throws Exception {
        try (Connection c = PostgresTestResource.jdbc();
                PreparedStatement st = c.prepareStatement("update api_key set expires_at = ? where id = ?")) {
            st.setTimestamp(1, Timestamp.from(expiresAt));
            st.setObject(2, UUID.fromString(keyId));
            st.executeUpdate();
        }
    }
}
