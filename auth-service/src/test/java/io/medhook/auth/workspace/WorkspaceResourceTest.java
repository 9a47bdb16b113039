package io.medhook.auth.workspace;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.SigningKeys;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import jakarta.inject.Inject;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class WorkspaceResourceTest {

    @Inject
    SigningKeys keys;

    @Test
    void firstStartCreatedASandboxAndAProductionWorkspace() {
        given().auth().oauth2(AuthTestSupport.adminToken()).get("/api/v1/workspaces")
                .then().statusCode(200)
                .body("items.findAll { it.name == 'Sandbox' || it.name == 'Production' }.kind",
                        containsInAnyOrder("sandbox", "production"))
                .body("items.findAll { it.name == 'Sandbox' || it.name == 'Production' }.role",
                        containsInAnyOrder("admin", "admin"));
    }

    @Test
    void ownerCreatesAWorkspaceAndTheChangeIsAudited() throws Exception {
        String name = "Lab " + UUID.randomUUID();
        String id = given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "kind", "sandbox"))
                .post("/api/v1/workspaces")
                .then().statusCode(201)
                .body("name", equalTo(name)).body("kind", equalTo("sandbox")).body("role", equalTo("admin"))
                .extract().path("id");
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select payload from audit_outbox where payload like '%workspace.create%' and payload like '%" + id + "%'")) {
            assertTrue(rs.next(), "workspace.create is in the outbox");
            assertTrue(rs.getString(1).contains("\"actor\":{\"type\":\"user\""));
        }
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", name.toUpperCase(), "kind", "production"))
                .post("/api/v1/workspaces")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void invalidWorkspaceKindIsRejected() {
        given().auth().oauth2(AuthTestSupport.adminToken()).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "kind", "staging"))
                .post("/api/v1/workspaces")
                .then().statusCode(400).body("errors.field", org.hamcrest.Matchers.hasItem("kind"));
    }

    @Test
    void nonOwnerCannotCreateWorkspaces() {
        given().auth().oauth2(token(b -> b.claim("roles", List.of()))).contentType(ContentType.JSON)
                .body(Map.of("name", "nope", "kind", "sandbox"))
                .post("/api/v1/workspaces")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void ownerClaimAloneIsNotEnoughWhenTheDatabaseSaysOtherwise() {
        // a token claiming owner for a user that is not an owner in the database
        String forgedRole = signed(base(UUID.randomUUID().toString()).claim("roles", List.of("owner")));
        given().auth().oauth2(forgedRole).contentType(ContentType.JSON)
                .body(Map.of("name", "sneaky", "kind", "sandbox"))
                .post("/api/v1/workspaces")
                .then().statusCode(403);
    }

    // --- security matrix on GET /api/v1/workspaces

    @Test
    void noTokenIs401() {
        given().get("/api/v1/workspaces").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void nonBearerAuthorizationIs401() {
        given().header("Authorization", "Basic YWRtaW46eA==").get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void expiredTokenIs401() {
        Instant past = Instant.now().minusSeconds(4 * 3600);
        given().auth().oauth2(token(b -> b.issuedAt(past).expiresAt(past.plusSeconds(3600))))
                .get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void wrongIssuerIs401() {
        given().auth().oauth2(token(b -> b.issuer("https://evil.example"))).get("/api/v1/workspaces")
                .then().statusCode(401);
    }

    @Test
    void wrongAudienceIs401() {
        given().auth().oauth2(token(b -> b.audience("medhook-sandbox"))).get("/api/v1/workspaces")
                .then().statusCode(401);
    }

    @Test
    void tokenLivingLongerThanTwoHoursIs401() {
        Instant now = Instant.now();
        given().auth().oauth2(token(b -> b.issuedAt(now).expiresAt(now.plusSeconds(3 * 3600))))
                .get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void tamperedTokenIs401() {
        String t = AuthTestSupport.adminToken();
        String[] p = t.split("\\.");
        String claims = AuthTestSupport.segment(t, 1).replace("\"owner\"", "\"admin\"");
        String tampered = p[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.getBytes()) + "." + p[2];
        given().auth().oauth2(tampered).get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void tokenSignedByAnotherKeyIs401() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        String forged = base(UUID.randomUUID().toString()).jws().keyId(keys.active().kid())
                .algorithm(SignatureAlgorithm.RS256).sign(g.generateKeyPair().getPrivate());
        given().auth().oauth2(forged).get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void unsignedTokenIs401() {
        String none = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"alg\":\"none\",\"kid\":\"" + keys.active().kid() + "\"}").getBytes())
                + "." + AuthTestSupport.adminToken().split("\\.")[1] + ".";
        given().auth().oauth2(none).get("/api/v1/workspaces").then().statusCode(401);
    }

    @Test
    void serviceTokenCannotListWorkspaces() {
        String t = signed(base("workflow-service").audience("medhook-auth").claim("mht", "service")
                .claim("roles", List.of("service")));
        given().auth().oauth2(t).get("/api/v1/workspaces").then().statusCode(403);
    }

    @Test
    void userWithoutMembershipsSeesNoWorkspaces() {
        given().auth().oauth2(token(b -> b.claim("roles", List.of()))).get("/api/v1/workspaces")
                .then().statusCode(200).body("items", hasSize(0));
    }

    private JwtClaimsBuilder base(String subject) {
        Instant now = Instant.now();
        return Jwt.issuer("urn:medhook:auth").subject(subject).audience("medhook-api")
                .issuedAt(now).expiresAt(now.plusSeconds(600)).claim("jti", UUID.randomUUID().toString())
                .claim("mht", "user").claim("sid", UUID.randomUUID().toString()).claim("roles", List.of("owner"))
                .claim("ws", Map.of());
    }

    private String token(java.util.function.UnaryOperator<JwtClaimsBuilder> bend) {
        return signed(bend.apply(base(UUID.randomUUID().toString())));
    }

    private String signed(JwtClaimsBuilder b) {
        return b.jws().keyId(keys.active().kid()).algorithm(SignatureAlgorithm.RS256).sign(keys.active().privateKey());
    }
}
