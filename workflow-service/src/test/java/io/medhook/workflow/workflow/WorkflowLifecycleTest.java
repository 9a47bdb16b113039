package io.medhook.workflow.workflow;

import static io.medhook.workflow.WorkflowTestSupport.auditEvents;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Activation, export and import of workflows. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WorkflowLifecycleTest {

    private static final String URL = "http://127.0.0.2:9/in";

    private static String wf(String ws) {
        return "/api/v1/workspaces/" + ws + "/workflows";
    }

    private static String path(JsonPath wf) {
        String url = wf.getString("webhookUrl");
        return url.substring(url.indexOf("/api/v1/webhooks/"));
    }

    @Test
    void deactivatedWorkflowsAnswerTheirWebhookLikeAnUnknownTokenAndCannotRun() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath w = create(ws, t, httpWorkflow(URL));
        String id = w.getString("id");
        given().auth().oauth2(t).post(wf(ws) + "/" + id + "/deactivate")
                .then().statusCode(200).body("active", equalTo(false)).body("id", equalTo(id));
        given().contentType(ContentType.JSON).body("{\"a\":1}").post(path(w))
                .then().statusCode(404).contentType("application/problem+json")
                .body("detail", equalTo("Webhook not found"));
        given().auth().oauth2(t).contentType(ContentType.JSON).body("{\"input\":{\"a\":1}}")
                .post(wf(ws) + "/" + id + "/run")
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("deactivated"));
        assertEquals(0, count("select count(*) from execution where workflow_id = '" + id + "'"),
                "nothing accepted, nothing stored");
        given().auth().oauth2(token(ws, "viewer")).get(wf(ws) + "/" + id).then().statusCode(200)
                .body("active", equalTo(false));

        given().auth().oauth2(t).post(wf(ws) + "/" + id + "/activate")
                .then().statusCode(200).body("active", equalTo(true));
        trigger(w.getString("webhookUrl"), "{\"a\":2}");
        assertEquals(1, count("select count(*) from execution where workflow_id = '" + id + "'"));

        List<JsonNode> off = auditEvents("workflow.deactivate", "workflow", id);
        assertEquals(1, off.size());
        assertEquals("{\"active\":true}", off.get(0).path("change").path("before").toString());
        assertEquals("{\"active\":false}", off.get(0).path("change").path("after").toString());
        List<JsonNode> on = auditEvents("workflow.activate", "workflow", id);
        assertEquals(1, on.size());
        assertEquals("{\"active\":false}", on.get(0).path("change").path("before").toString());
        assertEquals("{\"active\":true}", on.get(0).path("change").path("after").toString());
    }

    @Test
    void activatingAnActiveWorkflowChangesNothingAndIsNotAudited() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(URL)).getString("id");
        given().auth().oauth2(t).post(wf(ws) + "/" + id + "/activate").then().statusCode(200)
                .body("active", equalTo(true));
        assertEquals(List.of(), auditEvents("workflow.activate", "workflow", id));
    }

    @Test
    void activationNeedsAnEditorAndTheWorkflowsOwnWorkspace() {
        String ws = newWorkspace();
        String id = create(ws, token(ws, "editor"), httpWorkflow(URL)).getString("id");
        for (String action : List.of("activate", "deactivate")) {
            given().auth().oauth2(token(ws, "viewer")).post(wf(ws) + "/" + id + "/" + action)
                    .then().statusCode(403).contentType("application/problem+json");
            String other = newWorkspace();
            given().auth().oauth2(token(other, "admin")).post(wf(other) + "/" + id + "/" + action)
                    .then().statusCode(404).contentType("application/problem+json");
            given().auth().oauth2(token(ws, "editor")).post(wf(ws) + "/" + UUID.randomUUID() + "/" + action)
                    .then().statusCode(404);
        }
        given().auth().oauth2(token(ws, "viewer")).get(wf(ws) + "/" + id).then().body("active", equalTo(true));
    }

    @Test
    void exportIsSelfContainedWithoutTokenOrCredentialValuesAndImportsAsANewWorkflow() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String bearer = "bearer-" + UUID.randomUUID();
        Map<String, Object> def = Map.of("name", "exported", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(
                        Map.of("id", "shape", "type", "code", "params", Map.of("source", "return input;")),
                        Map.of("id", "send", "type", "http", "params", Map.of("method", "POST", "url", URL,
                                "headers", Map.of("Authorization", "Bearer " + bearer, "Accept", "application/json")))),
                "edges", List.of(Map.of("from", "shape", "to", "send")));
        JsonPath original = create(ws, t, def);
        String token = path(original).substring("/api/v1/webhooks/".length());

        String exported = given().auth().oauth2(token(ws, "viewer"))
                .get(wf(ws) + "/" + original.getString("id") + "/export")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("format", equalTo("medhook.workflow/v1"))
                .body("name", equalTo("exported"))
                .body("version", equalTo(1))
                .body("definition.nodes[1].params.url", equalTo(URL))
                .body("definition.nodes[1].params.headers.Accept", equalTo("application/json"))
                .body("definition.nodes[1].params.headers.Authorization", equalTo(""))
                .body("redacted", hasItem(Map.of("node", "send", "header", "Authorization")))
                .extract().asString();
        assertFalse(exported.contains(bearer), "no credential value in an export");
        assertFalse(exported.contains(token), "no webhook token in an export");
        assertFalse(exported.contains("webhook" + "Url"), "no webhook URL in an export");
        assertFalse(exported.contains(original.getString("id")), "no workflow id in an export");

        String other = newWorkspace();
        JsonPath imported = given().auth().oauth2(token(other, "editor")).contentType(ContentType.JSON)
                .body(exported).post(wf(other) + "/import")
                .then().statusCode(201).contentType(ContentType.JSON)
                .body("name", equalTo("exported")).body("version", equalTo(1))
                .body("workspaceId", equalTo(other))
                .body("nodes[1].params.headers.Authorization", equalTo(""))
                .extract().jsonPath();
        assertNotEquals(original.getString("id"), imported.getString("id"));
        assertNotEquals(original.getString("webhookUrl"), imported.getString("webhookUrl"));

        List<JsonNode> events = auditEvents("workflow.create", "workflow", imported.getString("id"));
        assertEquals(1, events.size());
        assertEquals("import", events.get(0).path("change").path("via").asText());
        assertEquals("exported", events.get(0).path("change").path("after").path("name").asText());
        assertEquals("[secret]", events.get(0).path("change").path("after").path("nodes").get(0).path("source")
                .asText());
    }

    @Test
    void importTakesTheDocumentsNameAndValidatesLikeACreate() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, Object> doc = Map.of("format", "medhook.workflow/v1", "name", "renamed",
                "definition", httpWorkflow(URL), "version", 7);
        given().auth().oauth2(t).contentType(ContentType.JSON).body(doc).post(wf(ws) + "/import")
                .then().statusCode(201).body("name", equalTo("renamed")).body("version", equalTo(1));

        Map<String, Object> invalid = Map.of("format", "medhook.workflow/v1", "name", "bad",
                "definition", Map.of("name", "bad", "trigger", Map.of("type", "webhook"),
                        "nodes", List.of(Map.of("id", "n1", "type", "ftp", "params", Map.of()),
                                Map.of("id", "a", "type", "http", "params", Map.of("url", URL)),
                                Map.of("id", "b", "type", "http", "params", Map.of("url", URL))),
                        "edges", List.of()));
        given().auth().oauth2(t).contentType(ContentType.JSON).body(invalid).post(wf(ws) + "/import")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].node", equalTo("n1")).body("errors[0].field", equalTo("type"));

        Map<String, Object> cyclic = Map.of("format", "medhook.workflow/v1",
                "definition", Map.of("name", "cyclic", "trigger", Map.of("type", "webhook"),
                        "nodes", List.of(Map.of("id", "first", "type", "http", "params", Map.of("url", URL)),
                                Map.of("id", "loop1", "type", "http", "params", Map.of("url", URL)),
                                Map.of("id", "loop2", "type", "http", "params", Map.of("url", URL))),
                        "edges", List.of(Map.of("from", "loop1", "to", "loop2"),
                                Map.of("from", "loop2", "to", "loop1"))));
        given().auth().oauth2(t).contentType(ContentType.JSON).body(cyclic).post(wf(ws) + "/import")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.node", hasItem("loop1")).body("errors.node", hasItem("loop2"))
                .body("errors.message", hasItem(containsString("not reachable")));
        assertEquals(1, given().auth().oauth2(t).get(wf(ws)).then().extract().jsonPath().getList("items").size(),
                "invalid imports create nothing");
    }

    @Test
    void importRefusesWrongFormatsMissingDefinitionsViewersAndUnknownFields() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        for (Object body : List.of(Map.of("format", "n8n/v1", "definition", httpWorkflow(URL)),
                Map.of("definition", httpWorkflow(URL)), Map.of("format", "medhook.workflow/v1"))) {
            given().auth().oauth2(t).contentType(ContentType.JSON).body(body).post(wf(ws) + "/import")
                    .then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(t).contentType(ContentType.JSON)
                .body(Map.of("format", "medhook.workflow/v1", "definition", httpWorkflow(URL), "webhookUrl", "x"))
                .post(wf(ws) + "/import").then().statusCode(400);
        given().auth().oauth2(token(ws, "viewer")).contentType(ContentType.JSON)
                .body(Map.of("format", "medhook.workflow/v1", "definition", httpWorkflow(URL)))
                .post(wf(ws) + "/import").then().statusCode(403).contentType("application/problem+json");
        assertTrue(given().auth().oauth2(t).get(wf(ws)).then().extract().jsonPath().getList("items").isEmpty());
    }

    @Test
    void exportOfAnotherWorkspacesOrADeletedWorkflowIs404() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(URL)).getString("id");
        String other = newWorkspace();
        given().auth().oauth2(token(other, "admin")).get(wf(other) + "/" + id + "/export")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(token(other, "admin")).get(wf(ws) + "/" + id + "/export").then().statusCode(404);
        given().auth().oauth2(t).delete(wf(ws) + "/" + id).then().statusCode(204);
        given().auth().oauth2(t).get(wf(ws) + "/" + id + "/export").then().statusCode(404);
    }
}
