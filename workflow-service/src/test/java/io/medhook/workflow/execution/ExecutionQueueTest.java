package io.medhook.workflow.execution;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.run;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Queued executions (no engine runs here): cancelling them, re-running them, and listing executions. */
@QuarkusTest
@TestProfile(EngineDisabledProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class ExecutionQueueTest {

    private static final String URL = "http://127.0.0.2:9/in";

    private static String ex(String ws) {
        return "/api/v1/workspaces/" + ws + "/executions";
    }

    @Test
    void aQueuedExecutionIsCancelledAtOnce() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(URL)).getString("id");
        String eid = run(ws, t, id, Map.of("a", 1));
        given().auth().oauth2(t).get(ex(ws) + "/" + eid).then().body("status", equalTo("queued"));
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"from\":\"start\"}")
                .post(ex(ws) + "/" + eid + "/rerun").then().statusCode(409).contentType("application/problem+json");
        given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                .then().statusCode(202).body("status", equalTo("cancelled"));
        given().auth().oauth2(t).get(ex(ws) + "/" + eid).then().statusCode(200)
                .body("status", equalTo("cancelled")).body("finishedAt", notNullValue());
        given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel")
                .then().statusCode(409).contentType("application/problem+json");
        List<JsonNode> events = auditEvents("execution.cancel", "execution", eid);
        assertEquals(1, events.size());
        assertEquals("{\"status\":\"queued\",\"cancelRequested\":false}",
                events.get(0).path("change").path("before").toString());
        assertEquals("{\"status\":\"cancelled\",\"cancelRequested\":true}",
                events.get(0).path("change").path("after").toString());
        assertEquals("user", events.get(0).path("actor").path("type").asText());
    }

    @Test
    void aRerunKeepsTheOriginalsVersionAndInputUnderItsOwnKey() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(URL)).getString("id");
        String marker = "MRN-" + System.nanoTime();
        String eid = run(ws, t, id, Map.of("mrn", marker));
        given().auth().oauth2(t).post(ex(ws) + "/" + eid + "/cancel").then().statusCode(202);
        given().auth().oauth2(t).contentType(ContentType.JSON).body(httpWorkflow("http://127.0.0.2:9/v2"))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + id).then().statusCode(200);

        String again = given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"from\":\"failed-step\"}")
                .post(ex(ws) + "/" + eid + "/rerun")
                .then().statusCode(202).body("rerunOf", equalTo(eid)).extract().path("executionId");
        JsonPath rerun = given().auth().oauth2(t).get(ex(ws) + "/" + again).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("queued", rerun.getString("status"));
        assertEquals(1, rerun.getInt("workflowVersion"));
        assertEquals(eid, rerun.getString("rerunOf"));
        assertEquals(Map.of("body", Map.of("mrn", marker), "headers", Map.of()), rerun.getMap("input"));
        assertEquals(List.of(), rerun.getList("steps"));
        assertEquals("rerun", rerun.getString("trigger"));
        assertEquals(1, auditEvents("execution.rerun", "execution", again).size());
    }

    @Test
    void listsExecutionsNewestFirstPageByPageWithoutPayloads() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String first = create(ws, t, httpWorkflow(URL)).getString("id");
        String second = create(ws, t, httpWorkflow(URL)).getString("id");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            made.add(run(ws, t, i == 3 ? second : first, Map.of("mrn", "MRN-LIST-" + i)));
        }
        given().auth().oauth2(t).post(ex(ws) + "/" + made.get(1) + "/cancel").then().statusCode(202);
        List<String> newestFirst = new ArrayList<>(made);
        Collections.reverse(newestFirst);

        String viewer = token(ws, "viewer");
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = given().auth().oauth2(viewer).queryParam("limit", 3);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            String body = req.get(ex(ws)).then().statusCode(200).extract().asString();
            assertFalse(body.contains("MRN-LIST"), "no payload in a listing");
            assertFalse(body.contains("\"input\""));
            JsonPath page = JsonPath.from(body);
            seen.addAll(page.getList("items.id"));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertEquals(newestFirst, seen);
        assertEquals(2, pages);

        JsonPath all = given().auth().oauth2(viewer).get(ex(ws)).then().statusCode(200).extract().jsonPath();
        assertEquals("queued", all.getString("items[0].status"));
        assertEquals("manual", all.getString("items[0].trigger"));
        assertEquals(second, all.getString("items[0].workflowId"));
        assertEquals(1, all.getInt("items[0].workflowVersion"));
        assertNotNull(all.getString("items[0].createdAt"));
        assertNull(all.get("nextCursor"));

        assertEquals(List.of(made.get(2), made.get(1), made.get(0)), given().auth().oauth2(viewer)
                .queryParam("workflowId", first).get(ex(ws)).then().statusCode(200).extract().path("items.id"));
        assertEquals(List.of(made.get(1)), given().auth().oauth2(viewer).queryParam("status", "cancelled")
                .get(ex(ws)).then().statusCode(200).extract().path("items.id"));
        assertEquals(List.of(made.get(2), made.get(0)), given().auth().oauth2(viewer)
                .queryParam("status", "queued").queryParam("workflowId", first)
                .get(ex(ws)).then().statusCode(200).extract().path("items.id"));
        assertEquals(List.of(), given().auth().oauth2(viewer).queryParam("from", "2999-01-01T00:00:00Z")
                .get(ex(ws)).then().statusCode(200).extract().path("items"));
        assertEquals(List.of(), given().auth().oauth2(viewer).queryParam("to", "2000-01-01T00:00:00Z")
                .get(ex(ws)).then().statusCode(200).extract().path("items"));
        assertEquals(4, given().auth().oauth2(viewer).queryParam("from", "2000-01-01T00:00:00Z")
                .queryParam("to", "2999-01-01T00:00:00+02:00").get(ex(ws)).then().statusCode(200)
                .extract().jsonPath().getList("items").size());

        String other = newWorkspace();
        assertEquals(List.of(), given().auth().oauth2(token(other, "viewer")).get(ex(other))
                .then().statusCode(200).extract().path("items"));
        given().auth().oauth2(token(other, "admin")).get(ex(ws)).then().statusCode(404)
                .contentType("application/problem+json");
        assertEquals(List.of(), given().auth().oauth2(token(other, "viewer")).queryParam("workflowId", first)
                .get(ex(other)).then().statusCode(200).extract().path("items"));
    }

    @Test
    void badFiltersAndCursorsAre400() {
        String ws = newWorkspace();
        String viewer = token(ws, "viewer");
        List<Map<String, String>> bad = List.of(Map.of("status", "done"), Map.of("workflowId", "not-an-id"),
                Map.of("from", "yesterday"), Map.of("to", "2026-01-01"), Map.of("limit", "0"),
                Map.of("limit", "1000"), Map.of("limit", "ten"), Map.of("cursor", "garbage!"),
                Map.of("cursor", "djE6MTIz"), Map.of("from", "2026-02-01T00:00:00Z", "to", "2026-01-01T00:00:00Z"));
        for (Map<String, String> params : bad) {
            given().auth().oauth2(viewer).queryParams(params).get(ex(ws))
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("status", equalTo(400));
        }
    }
}
