package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A revoked session's token is refused by every other service within 5 seconds, without those services calling
 * auth-service per request (they poll the revocation feed).
 */
@ExtendWith(Suite.Extension.class)
class RevocationIT {

    @Test
    void otherServicesRefuseALoggedOutTokenWithinFiveSeconds(Suite suite) throws Exception {
        String token = suite.login();
        String ws = given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");
        String workflows = suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows";
        String audit = suite.url("audit-service") + "/api/v1/audit/events?limit=1";
        given().auth().oauth2(token).get(workflows).then().statusCode(200);
        given().auth().oauth2(token).get(audit).then().statusCode(200);

        given().auth().oauth2(token).post(suite.url("auth-service") + "/api/v1/auth/logout").then().statusCode(204);
        Instant revoked = Instant.now();
        long workflowRefusedMs = -1;
        long auditRefusedMs = -1;
        while (Duration.between(revoked, Instant.now()).toSeconds() < 10 && (workflowRefusedMs < 0 || auditRefusedMs < 0)) {
            long elapsed = Duration.between(revoked, Instant.now()).toMillis();
            if (workflowRefusedMs < 0 && given().auth().oauth2(token).get(workflows).statusCode() == 401) {
                workflowRefusedMs = elapsed;
            }
            if (auditRefusedMs < 0 && given().auth().oauth2(token).get(audit).statusCode() == 401) {
                auditRefusedMs = elapsed;
            }
            Thread.sleep(50);
        }
        System.out.printf("revocation honoured after: workflow-service %d ms, audit-service %d ms%n",
                workflowRefusedMs, auditRefusedMs);
        assertTrue(workflowRefusedMs >= 0 && workflowRefusedMs <= 5000, "workflow-service: " + workflowRefusedMs);
        assertTrue(auditRefusedMs >= 0 && auditRefusedMs <= 5000, "audit-service: " + auditRefusedMs);
        // and it stays refused
        assertEquals(401, given().auth().oauth2(token).get(workflows).statusCode());
    }
}
