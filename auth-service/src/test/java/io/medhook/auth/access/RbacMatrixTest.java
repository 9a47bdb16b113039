package io.medhook.auth.access;

import static io.medhook.testing.RbacMatrix.Caller.ADMIN;
import static io.medhook.testing.RbacMatrix.Caller.OWNER;
import static io.medhook.testing.RbacMatrix.Caller.SERVICE;
import static io.medhook.testing.RbacMatrix.json;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.auth.AuthConfig;
import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.SigningKeys;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.security.HttpServiceTokens;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.RbacMatrix;
import io.medhook.testing.RbacMatrix.Caller;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every protected endpoint of auth-service × every kind of caller (see {@link RbacMatrix}), with real users whose
 * roles are in the database, real sessions, and tokens signed by the service's own key: expired ones made with that
 * key, a service token for another audience, and a tampered owner token.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class RbacMatrixTest {

    private static final String PASSWORD = "matrix-Pass-0001";
    private static final Set<Caller> ADMINS = EnumSet.of(OWNER, ADMIN);
    private static final Set<Caller> OWNERS = EnumSet.of(OWNER);

    @TestHTTPResource("/")
    URL base;
    @Inject
    SecretStore secrets;
    @Inject
    SigningKeys keys;
    @Inject
    TokenIssuer issuer;
    @Inject
    AuthConfig config;

    static List<RbacMatrix.Endpoint> endpoints() {
        Set<Caller> anyone = EnumSet.copyOf(RbacMatrix.ANY_USER);
        anyone.add(SERVICE);
        String ws = "/api/v1/workspaces/{workspaceId}";
        return List.of(
                RbacMatrix.instance("GET", "/api/v1/auth/me", null, anyone),
                RbacMatrix.instance("GET", "/api/v1/workspaces", null, RbacMatrix.ANY_USER),
                RbacMatrix.instance("POST", "/api/v1/workspaces",
                        () -> "{\"name\": \"m-" + UUID.randomUUID() + "\", \"kind\": \"sandbox\"}", OWNERS),
                RbacMatrix.instance("GET", "/api/v1/users", null, OWNERS),
                RbacMatrix.instance("POST", "/api/v1/users",
                        () -> "{\"username\": \"m" + UUID.randomUUID().toString().substring(0, 12)
                                + "\", \"password\": \"" + PASSWORD + "\"}", OWNERS),
                RbacMatrix.instance("PATCH", "/api/v1/users/{id}", json("{\"displayName\": \"Matrix\"}"), OWNERS),
                RbacMatrix.instance("GET", "/api/v1/users/{userId}/sessions", null, OWNERS),
                RbacMatrix.instance("DELETE", "/api/v1/users/{userId}/sessions/{sessionId}", null, OWNERS),
                RbacMatrix.workspace("GET", ws + "/members", null, ADMINS),
                RbacMatrix.workspace("PUT", ws + "/members/{userId}", json("{\"role\": \"viewer\"}"), ADMINS),
                RbacMatrix.workspace("DELETE", ws + "/members/{userId}", null, ADMINS),
                RbacMatrix.workspace("POST", ws + "/api-keys", json("{\"name\": \"matrix\", \"role\": \"viewer\"}"),
                        ADMINS),
                RbacMatrix.workspace("GET", ws + "/api-keys", null, ADMINS),
                RbacMatrix.workspace("POST", ws + "/api-keys/{keyId}/rotate", null, ADMINS),
                RbacMatrix.workspace("DELETE", ws + "/api-keys/{keyId}", null, ADMINS),
                RbacMatrix.instance("POST", "/api/v1/auth/api-keys/introspect",
                        json("{\"key\": \"mh_sk_sbx_notarealkey\"}"), EnumSet.of(SERVICE)),
                RbacMatrix.instance("GET", "/api/v1/auth/revocations", null, EnumSet.of(SERVICE)),
                RbacMatrix.instance("POST", "/api/v1/auth/keys/rotate", null, OWNERS),
                RbacMatrix.instance("PUT", "/api/v1/license", json("{\"key\": \"MHL1.not.valid\"}"), OWNERS),
                RbacMatrix.instance("GET", "/api/v1/license", null, OWNERS),
                RbacMatrix.instance("GET", "/api/v1/usage", null, OWNERS).dependsOnAbsentService(),
                // last: it ends the caller's session
                RbacMatrix.instance("POST", "/api/v1/auth/logout", null, anyone));
    }

    private static String createUser(String owner) {
        String username = "m" + UUID.randomUUID().toString().substring(0, 12);
        given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", PASSWORD))
                .post("/api/v1/users").then().statusCode(201);
        return username;
    }

    private static String idOf(String owner, String username) {
        return given().auth().oauth2(owner).get("/api/v1/users").then().statusCode(200)
                .extract().path("items.find { it.username == '" + username + "' }.id");
    }

    private static String login(String username) {
        return given().contentType(ContentType.JSON).body(Map.of("username", username, "password", PASSWORD))
                .post("/api/v1/auth/login").then().statusCode(200).extract().path("access_token");
    }

    private static void member(String owner, String ws, String userId, String role) {
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", role))
                .put("/api/v1/workspaces/" + ws + "/members/" + userId).then().statusCode(200);
    }

    @Test
    void everyEndpointAnswersEveryCallerAsItsRoleAllows() throws Exception {
        String owner = AuthTestSupport.adminToken();
        String sandbox = given().auth().oauth2(owner).get("/api/v1/workspaces").then().statusCode(200)
                .extract().path("items.find { it.name == 'Sandbox' }.id");
        String other = given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("name", "matrix-other-" + UUID.randomUUID(), "kind", "sandbox"))
                .post("/api/v1/workspaces").then().statusCode(201).extract().path("id");

        Map<Caller, String> tokens = new EnumMap<>(Caller.class);
        tokens.put(OWNER, owner);
        for (Caller role : List.of(ADMIN, Caller.EDITOR, Caller.VIEWER, Caller.AUDITOR)) {
            String u = createUser(owner);
            member(owner, sandbox, idOf(owner, u), role.name().toLowerCase());
            tokens.put(role, login(u));
        }
        String outsider = createUser(owner);
        member(owner, other, idOf(owner, outsider), "admin");
        tokens.put(Caller.OTHER_WORKSPACE, login(outsider));
        String secret = secrets.getOrCreate(HttpServiceTokens.secretName("workflow-service"), HttpServiceTokens::newSecret);
        tokens.put(SERVICE, given().auth().preemptive().basic("workflow-service", secret)
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-auth")
                .post("/oauth2/token").then().statusCode(200).extract().path("access_token"));
        tokens.put(Caller.WRONG_AUDIENCE, issuer.service("workflow-service", "medhook-sandbox").token());
        tokens.put(Caller.TAMPERED, RbacMatrix.tamper(owner));
        String adminId = idOf(owner, "admin");
        Instant now = Instant.now();
        SigningKeys.Active k = keys.active();
        tokens.put(Caller.EXPIRED, Jwt.issuer(config.issuer()).subject(adminId).audience("medhook-api")
                .issuedAt(now.minusSeconds(3 * 3600)).expiresAt(now.minusSeconds(3600))
                .claim("jti", UUID.randomUUID().toString()).claim("mht", "user")
                .claim("sid", UUID.randomUUID().toString()).claim("roles", List.of("owner"))
                .claim("ws", Map.of(sandbox, "admin"))
                .jws().keyId(k.kid()).algorithm(SignatureAlgorithm.RS256).sign(k.privateKey()));

        String spare = idOf(owner, createUser(owner));
        String apiKey = given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("name", "matrix-target", "role", "viewer"))
                .post("/api/v1/workspaces/" + sandbox + "/api-keys").then().statusCode(201).extract().path("id");

        // {userId} and {id}: a spare user; {keyId}: an API key of the workspace (rotated, then revoked)
        assertEquals(List.of(), RbacMatrix.run(base.toString(), endpoints(), tokens,
                Map.of("workspaceId", sandbox, "userId", spare, "id", spare, "keyId", apiKey,
                        "sessionId", UUID.randomUUID().toString())));
    }

    @Test
    void theMatrixCoversEveryOperationOfTheService() throws Exception {
        assertEquals(Set.of(), RbacMatrix.uncovered(base.toString(), endpoints(), Set.of(
                "POST /api/v1/auth/login", "GET /.well-known/jwks.json", "POST /oauth2/token",
                "GET /api/v1/auth/oidc/providers", "GET /api/v1/auth/oidc/login",
                "GET /api/v1/auth/oidc/{provider}/login", "GET /api/v1/auth/oidc/{provider}/callback")));
    }
}
