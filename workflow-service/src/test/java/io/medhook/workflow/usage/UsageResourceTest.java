package io.medhook.workflow.usage;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The internal usage report: counts per period from the usage counters, only for auth-service's service token, and
 * nothing in it but counts and dates. Rows are written in 2001, a range no other test touches; each ended execution
 * is counted by {@link io.medhook.workflow.execution.ExecutionStore#ended}, the step every transaction that ends an execution runs.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class UsageResourceTest {

    @jakarta.inject.Inject
    io.medhook.workflow.execution.ExecutionStore store;

    private static final String MARKER = "PHI-Marker-Jane-Doe-1970";

    private static String authService() {
        return TestIssuer.current().service("auth-service", "medhook-workflow");
    }

    @Test
    void countsExecutionsAndCreditsPerPeriodAndNothingElse() throws Exception {
        UUID ws = UUID.randomUUID();
        UUID wf = insertWorkflow(ws, MARKER);
        insertExecution(ws, wf, "2001-03-05T10:00:00Z", "succeeded", 3);
        insertExecution(ws, wf, "2001-03-05T23:59:59Z", "failed", 1);
        insertExecution(ws, wf, "2001-03-07T00:00:00Z", "cancelled", 0);
        insertExecution(ws, wf, "2001-03-07T12:00:00Z", "queued", 0);
        insertExecution(ws, wf, "2001-04-01T00:00:00Z", "timed_out", 2);

        JsonPath days = given().auth().oauth2(authService())
                .queryParam("period", "day").queryParam("from", "2001-03-04").queryParam("to", "2001-03-07")
                .get("/internal/v1/usage").then().statusCode(200)
                .body("period", equalTo("day")).body("from", equalTo("2001-03-04")).body("to", equalTo("2001-03-07"))
                .body("periods", hasSize(4))
                .extract().jsonPath();
        assertEquals(Map.of("start", "2001-03-04", "executions", 0, "succeeded", 0, "failed", 0, "credits", 0),
                days.getMap("periods[0]"));
        assertEquals(Map.of("start", "2001-03-05", "executions", 2, "succeeded", 1, "failed", 1, "credits", 4),
                days.getMap("periods[1]"));
        assertEquals(Map.of("start", "2001-03-07", "executions", 1, "succeeded", 0, "failed", 0, "credits", 0),
                days.getMap("periods[3]"));

        String months = given().auth().oauth2(authService())
                .queryParam("period", "month").queryParam("from", "2001-03-15").queryParam("to", "2001-04-30")
                .get("/internal/v1/usage").then().statusCode(200)
                .body("from", equalTo("2001-03-01")).body("periods", hasSize(2))
                .body("periods[0].start", equalTo("2001-03-01")).body("periods[0].executions", equalTo(3))
                .body("periods[0].credits", equalTo(4))
                .body("periods[1].start", equalTo("2001-04-01")).body("periods[1].failed", equalTo(1))
                .body("periods[1].credits", equalTo(2))
                .extract().asString();
        assertFalse(months.contains(MARKER) || months.contains(ws.toString()) || months.contains(wf.toString()),
                "the report carries no names or identifiers");
    }

    @Test
    void totalsCountLiveWorkflows() throws Exception {
        int before = given().auth().oauth2(authService()).get("/internal/v1/usage").then().statusCode(200)
                .extract().path("totals.workflows");
        insertWorkflow(UUID.randomUUID(), "another");
        given().auth().oauth2(authService()).get("/internal/v1/usage").then().statusCode(200)
                .body("totals.workflows", equalTo(before + 1))
                .body("period", equalTo("month")).body("periods", hasSize(12));
    }

    @Test
    void onlyAuthServiceMayRead() {
        given().get("/internal/v1/usage").then().statusCode(401);
        given().auth().oauth2(TestIssuer.current().service("audit-service", "medhook-workflow"))
                .get("/internal/v1/usage").then().statusCode(403);
        String ws = WorkflowTestSupport.newWorkspace();
        given().auth().oauth2(WorkflowTestSupport.token(ws, "admin"))
                .get("/internal/v1/usage").then().statusCode(403);
        given().auth().oauth2(TestIssuer.current().user("owner-1", Map.of(), "owner"))
                .get("/internal/v1/usage").then().statusCode(403);
        given().auth().oauth2(TestIssuer.current().service("auth-service", "medhook-sandbox"))
                .get("/internal/v1/usage").then().statusCode(401);
    }

    @Test
    void badRangesAreProblems() {
        String t = authService();
        given().auth().oauth2(t).queryParam("period", "week").get("/internal/v1/usage").then().statusCode(422)
                .contentType("application/problem+json").body("errors[0].field", equalTo("period"));
        given().auth().oauth2(t).queryParam("from", "yesterday").get("/internal/v1/usage").then().statusCode(422)
                .body("errors[0].field", equalTo("from"));
        given().auth().oauth2(t).queryParam("from", "2001-02-01").queryParam("to", "2001-01-01")
                .get("/internal/v1/usage").then().statusCode(422);
        given().auth().oauth2(t).queryParam("period", "day").queryParam("from", "2000-01-01")
                .queryParam("to", "2001-12-31").get("/internal/v1/usage").then().statusCode(422);
    }

    private static UUID insertWorkflow(UUID ws, String name) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement s = c.prepareStatement("""
                insert into workflow (id, workspace_id, name, current_version, webhook_token_hash, webhook_token_enc,
                                      data_key_wrapped, created_at, updated_at)
                values (?, ?, ?, 1, ?, ?, 'x', now(), now())""")) {
            s.setObject(1, id);
            s.setObject(2, ws);
            s.setString(3, name);
            s.setBytes(4, UUID.randomUUID().toString().getBytes());
            s.setBytes(5, new byte[] {1});
            s.executeUpdate();
        }
        return id;
    }

    private void insertExecution(UUID ws, UUID wf, String at, String status, int steps) throws Exception {
        UUID id = UUID.randomUUID();
        OffsetDateTime t = OffsetDateTime.parse(at);
        try (Connection c = PostgresTestResource.jdbc()) {
            try (PreparedStatement s = c.prepareStatement("""
                    insert into execution (id, workspace_id, workflow_id, workflow_version, status, trigger_type,
                                           input_enc, data_key_wrapped, created_at)
                    values (?, ?, ?, 1, ?, 'webhook', ?, 'x', ?)""")) {
                s.setObject(1, id);
                s.setObject(2, ws);
                s.setObject(3, wf);
                s.setString(4, status);
                s.setBytes(5, MARKER.getBytes());
                s.setObject(6, t);
                s.executeUpdate();
            }
            for (int i = 0; i < steps; i++) {
                try (PreparedStatement s = c.prepareStatement("""
                        insert into execution_step (execution_id, node_id, status, started_at)
                        values (?, ?, 'succeeded', ?)""")) {
                    s.setObject(1, id);
                    s.setString(2, "node-" + i);
                    s.setObject(3, t);
                    s.executeUpdate();
                }
            }
        }
        if (!"queued".equals(status)) {
            // a queued execution is not counted until it ends
            store.pool().withTransaction(tx -> store.ended(tx, id)).await().indefinitely();
        }
    }

    @Test
    void anExecutionIsCountedWhenItEndsAndStaysCountedAfterItsPayloadsArePurged() throws Exception {
        UUID ws = UUID.randomUUID();
        UUID wf = insertWorkflow(ws, "purged");
        insertExecution(ws, wf, "2001-06-10T08:00:00Z", "succeeded", 2);
        try (Connection c = PostgresTestResource.jdbc()) {
            c.createStatement().executeUpdate("update execution set input_enc = null, data_key_wrapped = null,"
                    + " payloads = 'purged', payloads_purged_at = now() where workspace_id = '" + ws + "'");
            c.createStatement().executeUpdate("delete from execution_step where execution_id in (select id from"
                    + " execution where workspace_id = '" + ws + "')");
        }
        given().auth().oauth2(authService())
                .queryParam("period", "day").queryParam("from", "2001-06-10").queryParam("to", "2001-06-10")
                .get("/internal/v1/usage").then().statusCode(200)
                .body("periods[0].executions", equalTo(1)).body("periods[0].succeeded", equalTo(1))
                .body("periods[0].credits", equalTo(2));
    }
}
