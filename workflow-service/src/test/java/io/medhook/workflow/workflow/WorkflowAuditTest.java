package io.medhook.workflow.workflow;

import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Workflow events in the outbox carry node parameters masked as declared on {@link WorkflowAudit.Node}. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class WorkflowAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MRN = "MRN-4711-0815";
    private static final String URL = "http://127.0.0.2:9/Patient/" + MRN + "?mrn=" + MRN;
    private static final String CODE_SECRET = "code-secret-5f2a91";

    private static Map<String, Object> definition(String name, String bearer) {
        return Map.of("name", name, "trigger", Map.of("type", "webhook"),
                "nodes", List.of(
                        Map.of("id", "shape", "type", "code", "params",
                                Map.of("source", "const k = '" + CODE_SECRET + "'; return input;")),
                        Map.of("id", "send", "type", "http", "params", Map.of("method", "POST", "url", URL,
                                "headers", Map.of("Authorization", "Bearer " + bearer)))),
                "edges", List.of(Map.of("from", "shape", "to", "send")));
    }

    @Test
    void createdWorkflowEventMasksNodeParameters() throws Exception {
        String ws = newWorkspace();
        String bearer = "bearer-" + UUID.randomUUID();
        String id = create(ws, token(ws, "editor"), definition("masked", bearer)).getString("id");
        List<JsonNode> events = events("workflow.create", id);
        assertEquals(1, events.size());
        JsonNode after = events.get(0).path("change").path("after");
        assertEquals("masked", after.path("name").asText());
        assertEquals(1, after.path("version").asInt());
        JsonNode code = after.path("nodes").get(0);
        assertEquals("code", code.path("type").asText());
        assertEquals("[secret]", code.path("source").asText(), "code is declared secret");
        JsonNode http = after.path("nodes").get(1);
        assertEquals("POST", http.path("method").asText());
        assertEquals("http://127.0.0.2:9", http.path("origin").asText(), "the destination stays visible");
        assertEquals("[phi]", http.path("url").asText(), "the full URL is declared PHI");
        assertEquals("[\"Authorization\"]", http.path("headerNames").toString());
        assertEquals("[secret]", http.path("headers").asText(), "header values are declared secret");
        assertEquals("{\"from\":\"shape\",\"to\":\"send\"}", after.path("edges").get(0).toString());
        String text = events.get(0).toString();
        assertFalse(text.contains(MRN));
        assertFalse(text.contains(bearer));
        assertFalse(text.contains(CODE_SECRET));
    }

    @Test
    void changedHeaderValueIsRecordedAsChangedWithoutItsValue() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String first = "bearer-" + UUID.randomUUID();
        String second = "bearer-" + UUID.randomUUID();
        String id = create(ws, t, definition("rotate", first)).getString("id");
        given().auth().oauth2(t).contentType(ContentType.JSON).body(definition("rotate", second))
                .put("/api/v1/workspaces/" + ws + "/workflows/" + id).then().statusCode(200);
        List<JsonNode> events = events("workflow.update", id);
        assertEquals(1, events.size());
        JsonNode change = events.get(0).path("change");
        List<String> changed = new ArrayList<>();
        change.path("after").fieldNames().forEachRemaining(changed::add);
        assertEquals(List.of("version", "nodes"), changed, "only what differs: the version and the nodes");
        assertEquals(1, change.path("before").path("version").asInt());
        assertEquals(2, change.path("after").path("version").asInt());
        assertEquals("[secret]", change.path("after").path("nodes").get(1).path("headers").asText());
        String text = events.get(0).toString();
        assertFalse(text.contains(first));
        assertFalse(text.contains(second));

        given().auth().oauth2(t).delete("/api/v1/workspaces/" + ws + "/workflows/" + id).then().statusCode(204);
        List<JsonNode> deleted = events("workflow.delete", id);
        assertEquals(1, deleted.size());
        JsonNode before = deleted.get(0).path("change").path("before");
        assertEquals(2, before.path("version").asInt());
        assertEquals("[phi]", before.path("nodes").get(1).path("url").asText());
        assertTrue(deleted.get(0).path("change").path("after").isMissingNode());
    }

    private static List<JsonNode> events(String action, String workflowId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select payload from audit_outbox where payload like ? and payload like ? order by seq")) {
            ps.setString(1, "%\"action\":\"" + action + "\"%");
            ps.setString(2, "%\"resource\":{\"type\":\"workflow\",\"id\":\"" + workflowId + "\"}%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(JSON.readTree(rs.getString(1)));
                }
            }
        }
        return out;
    }
}
