package io.medhook.sandbox.execution;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.medhook.testing.TestIssuer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

/** Who may run scripts: service tokens for the medhook-sandbox audience, nobody else. */
@QuarkusTest
class ExecutionSecurityTest {

    private static final Map<String, Object> BODY = Map.of("source", "return input * 2;", "input", 21);

    private static RequestSpecification request() {
        return given().contentType(ContentType.JSON).body(BODY);
    }

    private static void unauthorized(RequestSpecification request) {
        request.when().post(ExecutionResourceTest.PATH)
                .then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"))
                .body("type", equalTo("https://medhook.io/problems/unauthorized"))
                .body("status", equalTo(401));
    }

    /** Service claims with one audience, to bend before signing. */
    private static JwtClaims serviceClaims(String audience) {
        JwtClaims c = TestIssuer.current().base("workflow-service", List.of(audience), 300);
        c.setClaim("mht", "service");
        c.setStringListClaim("roles", "service");
        return c;
    }

    @Test
    void runsForAServiceTokenOfTheSandboxAudience() {
        request().auth().oauth2(Tokens.workflowService())
                .when().post(ExecutionResourceTest.PATH)
                .then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("output", equalTo(42));
    }

    @Test
    void rejectsRequestsWithoutToken() {
        unauthorized(request());
    }

    @Test
    void rejectsNonBearerCredentials() {
        unauthorized(request().header("Authorization", "Basic d29ya2Zsb3c6c2VjcmV0"));
    }

    @Test
    void rejectsUserTokens() {
        // user tokens are minted for medhook-api, which this service does not accept
        unauthorized(request().auth().oauth2(TestIssuer.current().user("u1", Map.of(), "owner")));
    }

    @Test
    void rejectsServiceTokensForAnotherAudience() {
        unauthorized(request().auth().oauth2(TestIssuer.current().service("workflow-service", "medhook-audit")));
    }

    @Test
    void rejectsExpiredTokens() {
        JwtClaims c = serviceClaims(Tokens.AUDIENCE);
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now - 600));
        c.setExpirationTime(NumericDate.fromSeconds(now - 300));
        unauthorized(request().auth().oauth2(TestIssuer.current().sign(c)));
    }

    @Test
    void rejectsForgedSignatures() {
        unauthorized(request().auth().oauth2(TestIssuer.current().forge(serviceClaims(Tokens.AUDIENCE))));
    }

    @Test
    void rejectsTamperedTokens() {
        String[] parts = Tokens.workflowService().split("\\.");
        String other = TestIssuer.current().service("audit-service", Tokens.AUDIENCE).split("\\.")[1];
        unauthorized(request().auth().oauth2(parts[0] + "." + other + "." + parts[2]));
    }

    @Test
    void rejectsTokensOfAnotherIssuer() {
        JwtClaims c = serviceClaims(Tokens.AUDIENCE);
        c.setIssuer("urn:someone:else");
        unauthorized(request().auth().oauth2(TestIssuer.current().sign(c)));
    }

    @Test
    void forbidsUserTokensEvenForTheSandboxAudience() {
        JwtClaims c = TestIssuer.current().base("u1", List.of(Tokens.AUDIENCE), 300);
        c.setClaim("mht", "user");
        c.setClaim("sid", "s-1");
        c.setStringListClaim("roles", "owner");
        c.setClaim("ws", Map.of());
        request().auth().oauth2(TestIssuer.current().sign(c))
                .when().post(ExecutionResourceTest.PATH)
                .then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://medhook.io/problems/forbidden"));
    }
}
