package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Audit events survive audit-service being down: they wait in the producers' outbox and arrive exactly once. */
@ExtendWith(Suite.Extension.class)
class AuditOutboxIT {

    @Test
    void changesMadeWhileAuditServiceIsDownArriveExactlyOnceAfterItReturns(Suite suite) throws Exception {
        String token = given().contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", Suite.ADMIN_PASSWORD))
                .post(suite.url("auth-service") + "/api/v1/auth/login").then().statusCode(200)
                .extract().path("access_token");
        String ws = given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");

        suite.stop("audit-service");
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                ids.add(given().auth().oauth2(token).contentType(ContentType.JSON)
                        .body(Map.of("name", "outbox-" + i + "-" + System.nanoTime(), "trigger", Map.of("type", "webhook"),
                                "nodes", List.of(Map.of("id", "h", "type", "http",
                                        "params", Map.of("url", "http://127.0.0.2:9/x")))))
                        .post(suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows")
                        .then().statusCode(201).extract().path("id"));
            }
        } finally {
            suite.start("audit-service");
            suite.awaitReady("audit-service", Duration.ofSeconds(120));
        }

        Instant end = Instant.now().plusSeconds(60);
        List<String> seen = List.of();
        while (Instant.now().isBefore(end)) {
            seen = given().auth().oauth2(token).queryParam("action", "workflow.create").queryParam("limit", 500)
                    .get(suite.url("audit-service") + "/api/v1/audit/events")
                    .then().statusCode(200).extract().path("items.resource.id");
            if (seen.containsAll(ids)) {
                break;
            }
            Thread.sleep(500);
        }
        for (String id : ids) {
            assertEquals(1, seen.stream().filter(id::equals).count(), "event for " + id + " arrived exactly once");
        }
        given().auth().oauth2(token).get(suite.url("audit-service") + "/api/v1/audit/verify")
                .then().statusCode(200).body("intact", org.hamcrest.Matchers.equalTo(true));
    }
}
