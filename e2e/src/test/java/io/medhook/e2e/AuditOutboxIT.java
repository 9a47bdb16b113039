package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Audit events survive audit-service being down: 1,000 changes made across workflow-service and auth-service while it
 * is stopped wait in the producers' outboxes and arrive exactly once when it returns, in a chain that verifies.
 */
@ExtendWith(Suite.Extension.class)
class AuditOutboxIT {

    @Test
    void changesMadeWhileAuditServiceIsDownArriveExactlyOnceAfterItReturns(Suite suite) throws Exception {
        String token = suite.login();
        String ws = given().auth().oauth2(token).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");

        suite.stop("audit-service");
        // 1,000 changes across two services while audit-service is down: 950 workflows, 50 users
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 950; i++) {
                ids.add(given().auth().oauth2(token).contentType(ContentType.JSON)
                        .body(Map.of("name", "outbox-" + i + "-" + System.nanoTime(), "trigger", Map.of("type", "webhook"),
                                "nodes", List.of(Map.of("id", "h", "type", "http",
                                        "params", Map.of("url", "http://127.0.0.2:9/x")))))
                        .post(suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows")
                        .then().statusCode(201).extract().path("id"));
            }
            for (int i = 0; i < 50; i++) {
                ids.add(given().auth().oauth2(token).contentType(ContentType.JSON)
                        .body(Map.of("username", "outbox" + i + "x" + System.nanoTime(), "password", "outbox-Pass-0001"))
                        .post(suite.url("auth-service") + "/api/v1/users")
                        .then().statusCode(201).extract().path("id"));
            }
        } finally {
            suite.start("audit-service");
            suite.awaitReady("audit-service", Duration.ofSeconds(120));
        }

        Instant end = Instant.now().plusSeconds(120);
        Map<String, Long> seen = Map.of();
        while (Instant.now().isBefore(end)) {
            seen = stored(suite, ids);
            if (seen.size() == ids.size()) {
                break;
            }
            Thread.sleep(500);
        }
        Thread.sleep(1000); // let any duplicate delivery land before counting
        seen = stored(suite, ids);
        assertEquals(1000, ids.size());
        for (String id : ids) {
            assertEquals(1L, seen.getOrDefault(id, 0L), "the event for " + id + " arrived exactly once");
        }
        given().auth().oauth2(token).get(suite.url("audit-service") + "/api/v1/audit/verify")
                .then().statusCode(200).body("intact", org.hamcrest.Matchers.equalTo(true));
    }

    /** How many create events audit-service stored per resource id, read straight from its database. */
    private static Map<String, Long> stored(Suite suite, List<String> ids) throws Exception {
        Map<String, Long> counts = new java.util.HashMap<>();
        try (Connection c = DriverManager.getConnection(suite.postgres().jdbcUrl(suite.database("audit-service")),
                suite.postgres().user(), suite.postgres().password());
                PreparedStatement s = c.prepareStatement("select resource_id, count(*) from audit_event "
                        + "where action in ('workflow.create', 'user.create') and resource_id = any(?) "
                        + "group by resource_id")) {
            s.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }
}
