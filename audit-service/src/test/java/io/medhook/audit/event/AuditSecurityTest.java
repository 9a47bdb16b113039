package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.BATCH;
import static io.medhook.audit.event.AuditFixtures.EVENTS;
import static io.medhook.audit.event.AuditFixtures.PROBLEM_JSON;
import static io.medhook.audit.event.AuditFixtures.VERIFY;
import static io.medhook.audit.event.AuditFixtures.batch;
import static io.medhook.audit.event.AuditFixtures.countStored;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.postBatch;
import static io.medhook.audit.event.AuditFixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The security matrix of every endpoint: missing, expired, forged, wrong issuer/audience, wrong kind or role. */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class AuditSecurityTest {

    private static TestIssuer issuer() {
        return TestIssuer.current();
    }

    private static String expiredService() {
        JwtClaims c = issuer().base("workflow-service", List.of("medhook-audit"), 300);
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now - 3600));
        c.setExpirationTime(NumericDate.fromSeconds(now - 3300));
        c.setClaim("mht", "service");
        c.setStringListClaim("roles", "service");
        return issuer().sign(c);
    }

    private static JwtClaims userClaims(List<String> audiences, Map<String, String> ws, String... roles) {
        JwtClaims c = issuer().base("u-sec", audiences, 3600);
        c.setClaim("mht", "user");
        c.setClaim("sid", "s-1");
        c.setStringListClaim("roles", roles);
        c.setClaim("ws", ws);
        return c;
    }

    private static String expiredOwner() {
        JwtClaims c = userClaims(List.of("medhook-api"), Map.of(), "owner");
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now - 7000));
        c.setExpirationTime(NumericDate.fromSeconds(now - 60));
        return issuer().sign(c);
    }

    private static void unauthorized(String method, String path, String token) {
        var spec = given();
        if (token != null) {
            spec = spec.auth().oauth2(token);
        }
        spec.contentType("application/json").body("{\"events\":[]}").when().request(method, path).then()
                .statusCode(401).contentType(PROBLEM_JSON).header("WWW-Authenticate", org.hamcrest.Matchers
                        .startsWith("Bearer"));
    }

    // ---- batch ingest: service tokens for medhook-audit only

    @Test
    void rejectsBatchWithoutToken() {
        unauthorized("POST", BATCH, null);
    }

    @Test
    void rejectsUserTokenOnBatch() throws Exception {
        AuditEvent e = event(newWorkspace(), "workflow.create");
        postBatch(issuer().user("root", Map.of(), "owner"), batch(List.of(e))).statusCode(403)
                .contentType(PROBLEM_JSON);
        assertEquals(0, countStored(List.of(e.id())));
    }

    @Test
    void rejectsServiceTokenForAnotherAudienceOnBatch() {
        unauthorized("POST", BATCH, issuer().service("workflow-service", "medhook-sandbox"));
    }

    @Test
    void rejectsServiceTokenForUserApiAudienceOnBatch() throws Exception {
        // medhook-api is an audience this service accepts (for users), but it is not a licence to write the log
        AuditEvent e = event(newWorkspace(), "workflow.create");
        postBatch(issuer().service("workflow-service", "medhook-api"), batch(List.of(e))).statusCode(403)
                .contentType(PROBLEM_JSON);
        assertEquals(0, countStored(List.of(e.id())));
    }

    @Test
    void rejectsExpiredServiceToken() {
        unauthorized("POST", BATCH, expiredService());
    }

    @Test
    void rejectsForgedServiceToken() {
        JwtClaims c = issuer().base("workflow-service", List.of("medhook-audit"), 300);
        c.setClaim("mht", "service");
        c.setStringListClaim("roles", "service");
        unauthorized("POST", BATCH, issuer().forge(c));
    }

    @Test
    void rejectsServiceTokenOfAnotherIssuer() {
        JwtClaims c = issuer().base("workflow-service", List.of("medhook-audit"), 300);
        c.setIssuer("urn:someone-else");
        c.setClaim("mht", "service");
        c.setStringListClaim("roles", "service");
        unauthorized("POST", BATCH, issuer().sign(c));
    }

    @Test
    void rejectsTamperedToken() {
        String token = issuer().service("workflow-service", "medhook-audit");
        String[] parts = token.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
                .replace("workflow-service", "admin-service!!");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes()) + "." + parts[2];
        unauthorized("POST", BATCH, tampered);
    }

    @Test
    void rejectsNonBearerAuthorization() {
        given().header("Authorization", "Basic dXNlcjpwYXNz").contentType("application/json")
                .body("{\"events\":[]}").when().post(BATCH).then().statusCode(401).contentType(PROBLEM_JSON);
    }

    // ---- list and verify: users who are owner, or admin/auditor of a workspace

    @ParameterizedTest
    @ValueSource(strings = { EVENTS, VERIFY })
    void rejectsReadWithoutToken(String path) {
        unauthorized("GET", path, null);
    }

    @ParameterizedTest
    @ValueSource(strings = { EVENTS, VERIFY })
    void rejectsExpiredUserToken(String path) {
        unauthorized("GET", path, expiredOwner());
    }

    @ParameterizedTest
    @ValueSource(strings = { EVENTS, VERIFY })
    void rejectsForgedUserToken(String path) {
        unauthorized("GET", path, issuer().forge(userClaims(List.of("medhook-api"), Map.of(), "owner")));
    }

    @ParameterizedTest
    @ValueSource(strings = { EVENTS, VERIFY })
    void rejectsUserTokenForAnotherAudience(String path) {
        unauthorized("GET", path, issuer().sign(userClaims(List.of("medhook-workflow"), Map.of(), "owner")));
    }

    @ParameterizedTest
    @ValueSource(strings = { "viewer", "editor" })
    void forbidsReadersWithoutAuditRole(String role) {
        String token = userToken("u-" + role, Map.of(newWorkspace(), role));
        given().auth().oauth2(token).when().get(EVENTS).then().statusCode(403).contentType(PROBLEM_JSON);
        given().auth().oauth2(token).when().get(VERIFY).then().statusCode(403).contentType(PROBLEM_JSON);
    }

    @Test
    void forbidsUserWithoutAnyWorkspace() {
        given().auth().oauth2(userToken("u-none", Map.of())).when().get(EVENTS).then().statusCode(403)
                .contentType(PROBLEM_JSON);
    }

    @ParameterizedTest
    @ValueSource(strings = { EVENTS, VERIFY })
    void forbidsServiceTokenOnRead(String path) {
        given().auth().oauth2(AuditFixtures.serviceToken()).when().get(path).then().statusCode(403)
                .contentType(PROBLEM_JSON);
    }

    @ParameterizedTest
    @ValueSource(strings = { "admin", "auditor" })
    void allowsWorkspaceAdminAndAuditorToReadAndVerify(String role) {
        String token = userToken("u-" + role, Map.of(newWorkspace(), role));
        given().auth().oauth2(token).when().get(EVENTS).then().statusCode(200);
        given().auth().oauth2(token).when().get(VERIFY).then().statusCode(200).body("intact", equalTo(true));
    }
}
