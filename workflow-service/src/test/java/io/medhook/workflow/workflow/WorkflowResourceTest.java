package io.medhook.workflow.workflow;

import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WorkflowResourceTest {

    private static final String URL = "http://127.0.0.2:9/in";

    @Test
    void createsAWorkflowWithAnUnguessableWebhookUrl() {
        String ws = newWorkspace();
        create(ws, token(ws, "editor"), httpWorkflow(URL));
        JsonPath wf = create(ws, token(ws, "editor"), httpWorkflow(URL));
        assertEquals(1, wf.getInt("version"));
        org.hamcrest.MatcherAssert.assertThat(wf.getString("webhookUrl"),
                matchesPattern("http://.+/api/v1/webhooks/[A-Za-z0-9_\\-]{43}"));
        given().auth().oauth2(token(ws, "viewer")).get("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(200)
                .body("webhookUrl", equalTo(wf.getString("webhookUrl")))
                .body("nodes[0].type", equalTo("http"));
        given().auth().oauth2(token(ws, "viewer")).get("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(200).body("items", hasSize(2));
    }

    @Test
    void updatesCreateNewImmutableVersions() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String id = create(ws, t, httpWorkflow(URL)).getString("id");
        given().auth().oauth2(t).contentType(ContentType.JSON).body(httpWorkflow("http://127.0.0.2:9/other"))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + id)
                .then().statusCode(200).body("version", equalTo(2)).body("nodes[0].params.url", containsString("other"));
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select version, definition->'nodes'->0->'params'->>'url' from workflow_version where workflow_id = '"
                        + id + "' order by version")) {
            rs.next();
            assertEquals(URL, rs.getString(2), "version 1 is unchanged");
            rs.next();
            assertEquals(2, rs.getInt(1));
        }
    }

    @Test
    void deletingAWorkflowStopsItsWebhook() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath wf = create(ws, t, httpWorkflow(URL));
        given().auth().oauth2(t).delete("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(204);
        String path = wf.getString("webhookUrl").substring(wf.getString("webhookUrl").indexOf("/api/"));
        given().contentType(ContentType.JSON).body("{}").post(path).then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(t).get("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id"))
                .then().statusCode(404);
    }

    @Test
    void changesAreAudited() throws Exception {
        String ws = newWorkspace();
        String id = create(ws, token(ws, "admin"), httpWorkflow(URL)).getString("id");
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select payload from audit_outbox where payload like '%workflow.create%' and payload like '%" + id + "%'")) {
            org.junit.jupiter.api.Assertions.assertTrue(rs.next());
            String p = rs.getString(1);
            org.junit.jupiter.api.Assertions.assertTrue(p.contains("\"workspaceId\":\"" + ws + "\""));
            org.junit.jupiter.api.Assertions.assertFalse(p.contains(URL), "node parameters are not copied to the audit log");
        }
    }

    // --- validation: each error names the node, nothing is written

    @Test
    void unknownNodeTypeIsRejectedNamingTheNode() throws Exception {
        String ws = newWorkspace();
        long before = count(ws);
        invalid(ws, Map.of("name", "x", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "n1", "type", "ftp", "params", Map.of()))))
                .body("errors[0].node", equalTo("n1")).body("errors[0].field", equalTo("type"));
        assertEquals(before, count(ws), "nothing half-written");
    }

    @Test
    void edgeToAMissingNodeIsRejected() {
        String ws = newWorkspace();
        invalid(ws, Map.of("name", "x", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "n1", "type", "http", "params", Map.of("url", URL))),
                "edges", List.of(Map.of("from", "n1", "to", "ghost"))))
                .body("errors.node", hasItem("ghost"));
    }

    @Test
    void cyclesAreRejected() {
        String ws = newWorkspace();
        invalid(ws, Map.of("name", "x", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "a", "type", "http", "params", Map.of("url", URL)),
                        Map.of("id", "b", "type", "http", "params", Map.of("url", URL))),
                "edges", List.of(Map.of("from", "a", "to", "b"), Map.of("from", "b", "to", "a"))))
                .body("errors[0].message", containsString("cycle"));
    }

    @Test
    void codeNodeWithoutSourceIsRejected() {
        String ws = newWorkspace();
        invalid(ws, Map.of("name", "x", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "c", "type", "code", "params", Map.of()))))
                .body("errors[0].field", equalTo("params.source"));
    }

    @Test
    void nonHttpUrlsAndDuplicateIdsAreRejected() {
        String ws = newWorkspace();
        invalid(ws, Map.of("name", "x", "trigger", Map.of("type", "webhook"),
                "nodes", List.of(Map.of("id", "h", "type", "http", "params", Map.of("url", "file:///etc/passwd")),
                        Map.of("id", "h", "type", "http", "params", Map.of("url", URL, "method", "BREW")))))
                .body("errors.field", hasItem("params.url"))
                .body("errors.field", hasItem("id"))
                .body("errors.field", hasItem("params.method"));
    }

    @Test
    void emptyWorkflowAndMissingTriggerAreRejected() {
        String ws = newWorkspace();
        invalid(ws, Map.of("name", "", "nodes", List.of()))
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("trigger.type"))
                .body("errors.field", hasItem("nodes"));
    }

    @Test
    void malformedJsonIs400() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON).body("{\"name\": \"x\" \"nodes\": []}")
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("JSON"));
    }

    @Test
    void wrongTypesAre400NamingTheField() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON).body("{\"name\": [1]}")
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("'name'"));
    }

    @Test
    void unknownFieldsAre400() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "trigger", Map.of("type", "webhook"), "nodez", List.of()))
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(400).body("detail", containsString("nodez"));
    }

    // --- access

    @Test
    void anotherWorkspacesWorkflowIs404() {
        String ws = newWorkspace();
        String other = newWorkspace();
        String id = create(ws, token(ws, "editor"), httpWorkflow(URL)).getString("id");
        String outsider = TestIssuer.current().user("u", Map.of(other, "admin"));
        given().auth().oauth2(outsider).get("/api/v1/workspaces/" + ws + "/workflows/" + id).then().statusCode(404);
        given().auth().oauth2(outsider).get("/api/v1/workspaces/" + other + "/workflows/" + id).then().statusCode(404);
        given().auth().oauth2(outsider).get("/api/v1/workspaces/" + other + "/workflows/not-a-uuid").then().statusCode(404);
    }

    @Test
    void viewersCannotChangeWorkflows() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "viewer")).contentType(ContentType.JSON).body(httpWorkflow(URL))
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(token(ws, "auditor")).get("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(403);
    }

    @Test
    void securityMatrix() {
        String ws = newWorkspace();
        String path = "/api/v1/workspaces/" + ws + "/workflows";
        TestIssuer iss = TestIssuer.current();
        given().get(path).then().statusCode(401).contentType("application/problem+json");
        JwtClaims expired = userClaims(iss, ws);
        expired.setIssuedAt(NumericDate.fromSeconds(NumericDate.now().getValue() - 8000));
        expired.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 800));
        given().auth().oauth2(iss.sign(expired)).get(path).then().statusCode(401);
        JwtClaims wrongIssuer = userClaims(iss, ws);
        wrongIssuer.setIssuer("https://evil.example");
        given().auth().oauth2(iss.sign(wrongIssuer)).get(path).then().statusCode(401);
        JwtClaims tooLong = userClaims(iss, ws);
        tooLong.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() + 3 * 3600));
        given().auth().oauth2(iss.sign(tooLong)).get(path).then().statusCode(401);
        given().auth().oauth2(iss.forge(userClaims(iss, ws))).get(path).then().statusCode(401);
        given().auth().oauth2(iss.service("workflow-service", "medhook-sandbox")).get(path).then().statusCode(401);
        given().auth().oauth2(iss.service("audit-service", "medhook-workflow")).get(path).then().statusCode(403);
        given().auth().oauth2(iss.sign(userClaims(iss, ws))).get(path).then().statusCode(200);
    }

    private static JwtClaims userClaims(TestIssuer iss, String ws) {
        JwtClaims c = iss.base("u-1", List.of("medhook-api"), 600);
        c.setClaim("mht", "user");
        c.setClaim("ws", Map.of(ws, "editor"));
        return c;
    }

    private static io.restassured.response.ValidatableResponse invalid(String ws, Object body) {
        return given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON).body(body)
                .post("/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("https://medhook.io/problems/validation"));
    }

    private static long count(String ws) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select (select count(*) from workflow where workspace_id = '" + ws + "') + "
                        + "(select count(*) from workflow_version)")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
