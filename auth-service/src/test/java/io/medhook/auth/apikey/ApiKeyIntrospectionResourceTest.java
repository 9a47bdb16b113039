package io.medhook.auth.apikey;

import static io.medhook.auth.apikey.ApiKeyTestSupport.create;
import static io.medhook.auth.apikey.ApiKeyTestSupport.workspaceId;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ApiKeyIntrospectionResourceTest {

    private static final String INTROSPECT = "/api/v1/auth/api-keys/introspect";

    @Inject
    TokenIssuer issuer;

    private String serviceToken() {
        return issuer.service("workflow-service", "medhook-auth").token();
    }

    private io.restassured.response.ValidatableResponse introspect(String key) {
        return given().auth().oauth2(serviceToken()).contentType(ContentType.JSON).body(Map.of("key", key))
                .post(INTROSPECT).then().statusCode(200);
    }

    @Test
    void answersThePrincipalOfAnActiveKey() {
        String ws = workspaceId("production");
        Instant expires = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "editor", expires);
        JsonPath answer = introspect(created.getString("key"))
                .body("active", equalTo(true))
                .body("principal.subject", equalTo(created.getString("id")))
                .body("principal.kind", equalTo("api-key"))
                .body("principal.name", equalTo(created.getString("name")))
                .body("principal.workspaces", equalTo(Map.of(ws, "editor")))
                .extract().jsonPath();
        assertEquals(expires, Instant.parse(answer.getString("principal.expiresAt")));
    }

    @Test
    void acceptsTheKeyAsAFormField() {
        JsonPath created = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "viewer", null);
        given().auth().oauth2(serviceToken()).formParam("key", created.getString("key"))
                .post(INTROSPECT).then().statusCode(200)
                .body("active", equalTo(true))
                .body("principal.subject", equalTo(created.getString("id")))
                .body("principal.expiresAt", nullValue());
    }

    @Test
    void unknownAndMalformedKeysAreInactive() {
        introspect("mh_sk_live_" + "B".repeat(54)).body("active", equalTo(false)).body("principal", nullValue());
        introspect("mh_sk_live_short").body("active", equalTo(false));
        introspect("not-a-key-at-all").body("active", equalTo(false));
    }

    @Test
    void revokedKeyIsInactiveAtOnce() {
        String ws = workspaceId("sandbox");
        JsonPath created = create(AuthTestSupport.adminToken(), ws, "viewer", null);
        introspect(created.getString("key")).body("active", equalTo(true));
        given().auth().oauth2(AuthTestSupport.adminToken())
                .delete("/api/v1/workspaces/" + ws + "/api-keys/" + created.getString("id"))
                .then().statusCode(204);
        introspect(created.getString("key")).body("active", equalTo(false));
    }

    @Test
    void expiredKeyIsInactive() throws Exception {
        JsonPath created = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "viewer",
                Instant.now().plusSeconds(3600));
        ApiKeyTestSupport.setExpiry(created.getString("id"), Instant.now().minusSeconds(1));
        introspect(created.getString("key")).body("active", equalTo(false));
    }

    @Test
    void recordsLastUseAtMostOncePerMinute() throws Exception {
        JsonPath created = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "viewer", null);
        introspect(created.getString("key")).body("active", equalTo(true));
        Instant first = lastUsed(created.getString("id"));
        Thread.sleep(50);
        introspect(created.getString("key")).body("active", equalTo(true));
        assertEquals(first, lastUsed(created.getString("id")), "a second use within a minute writes nothing");
    }

    @Test
    void refusesUserTokens() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("key", "mh_sk_live_" + "B".repeat(54)))
                .post(INTROSPECT).then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void refusesApiKeys() {
        String key = create(AuthTestSupport.adminToken(), workspaceId("sandbox"), "admin", null).getString("key");
        given().auth().oauth2(key).contentType(ContentType.JSON).body(Map.of("key", key))
                .post(INTROSPECT).then().statusCode(403);
    }

    @Test
    void refusesServiceTokensForAnotherAudience() {
        String apiAudience = issuer.service("workflow-service", "medhook-api").token();
        given().auth().oauth2(apiAudience).contentType(ContentType.JSON)
                .body(Map.of("key", "mh_sk_live_" + "B".repeat(54)))
                .post(INTROSPECT).then().statusCode(403);
    }

    @Test
    void unauthenticatedIs401() {
        given().contentType(ContentType.JSON).body(Map.of("key", "mh_sk_live_" + "B".repeat(54)))
                .post(INTROSPECT).then().statusCode(401).contentType("application/problem+json");
        given().formParam("key", "x").post(INTROSPECT).then().statusCode(401);
    }

    @Test
    void missingKeyIs400() {
        given().auth().oauth2(serviceToken()).contentType(ContentType.JSON).body(Map.of())
                .post(INTROSPECT).then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(serviceToken()).formParam("other", "x")
                .post(INTROSPECT).then().statusCode(400).contentType("application/problem+json");
    }

    private static Instant lastUsed(String id) throws Exception {
        try (Connection c = PostgresTestResource.jdbc();
                PreparedStatement st = c.prepareStatement("select last_used_at from api_key where id = ?")) {
            st.setObject(1, UUID.fromString(id));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }
}
