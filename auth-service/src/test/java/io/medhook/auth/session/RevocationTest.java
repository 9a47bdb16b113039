package io.medhook.auth.session;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.auth.token.TokenIssuer;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class RevocationTest {

    @Inject
    TokenIssuer issuer;

    @Test
    void aLoggedOutSessionsTokenIsRefusedWithinSeconds() throws Exception {
        String token = AuthTestSupport.adminToken();
        given().auth().oauth2(token).get("/api/v1/auth/me").then().statusCode(200);
        given().auth().oauth2(token).post("/api/v1/auth/logout").then().statusCode(204);
        Instant revokedAt = Instant.now();
        int status = 200;
        while (status == 200 && Duration.between(revokedAt, Instant.now()).toMillis() < 5000) {
            status = given().auth().oauth2(token).get("/api/v1/auth/me").then().extract().statusCode();
            Thread.sleep(50);
        }
        assertTrue(status == 401, "the revoked token is refused within 5 s");
    }

    @Test
    void theFeedListsRevokedSessionsToServicesOnly() {
        String token = AuthTestSupport.adminToken();
        String sid = JsonPath.from(AuthTestSupport.segment(token, 1)).getString("sid");
        given().auth().oauth2(token).post("/api/v1/auth/logout").then().statusCode(204);
        String service = issuer.service("workflow-service", "medhook-auth").token();
        given().auth().oauth2(service).get("/api/v1/auth/revocations")
                .then().statusCode(200).body("items.sessionId", hasItem(sid));
        given().auth().oauth2(AuthTestSupport.adminToken()).get("/api/v1/auth/revocations").then().statusCode(403);
        given().get("/api/v1/auth/revocations").then().statusCode(401);
        String wrongAudience = issuer.service("workflow-service", "medhook-sandbox").token();
        given().auth().oauth2(wrongAudience).get("/api/v1/auth/revocations").then().statusCode(401);
    }
}
