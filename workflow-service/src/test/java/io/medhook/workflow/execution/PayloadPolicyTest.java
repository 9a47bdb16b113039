package io.medhook.workflow.execution;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-workflow payload policy ({@code settings.payloads}): what is left in the database once an execution has
 * ended, checked column by column, and what the execution view says then. A step that fails does so at the egress
 * check (an address that is not allowed), so nothing is sent anywhere.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class PayloadPolicyTest {

    @jakarta.inject.Inject
    ExecutionStore store;

    private static HttpReceiver receiver;
    private static HttpReceiver blocked;

    @BeforeAll
    static void servers() {
        receiver = HttpReceiver.start("127.0.0.2");
        blocked = HttpReceiver.start("127.0.0.1");
    }

    @AfterAll
    static void stop() {
        receiver.close();
        blocked.close();
    }

    /** What is stored of one execution after its end. */
    record Stored(boolean input, boolean dataKey, String payloads, String errorType, String errorMessage,
            int outputs, int errorMessages, int errorTypes) {
    }

    @Test
    void allKeepsEverythingByDefault() throws Exception {
        Run r = runTo(null, receiver.url("/all"));
        Stored s = stored(r.eid);
        assertTrue(s.input && s.dataKey);
        assertEquals("kept", s.payloads);
        assertEquals(1, s.outputs);
        given().auth().oauth2(r.editor).get(r.path()).then().statusCode(200)
                .body("payloads", nullValue()).body("input.body.mrn", equalTo(r.marker))
                .body("steps[0].output.status", equalTo(200));
    }

    @Test
    void errorsDiscardsInputAndOutputsOfASucceededExecution() throws Exception {
        Run r = runTo("errors", receiver.url("/errors-ok"));
        assertEquals("succeeded", r.end.getString("status"));
        Stored s = stored(r.eid);
        assertFalse(s.input, "input_enc is null");
        assertFalse(s.dataKey, "the data key is destroyed");
        assertEquals("discarded", s.payloads);
        assertEquals(0, s.outputs, "output_enc is null");
        int reads = WorkflowTestSupport.auditEvents("execution.payload.read", "execution", r.eid).size();
        given().auth().oauth2(r.editor).get(r.path()).then().statusCode(200)
                .body("status", equalTo("succeeded")).body("payloads", equalTo("discarded"))
                .body("input", nullValue()).body("steps[0].status", equalTo("succeeded"))
                .body("steps[0].output", nullValue());
        assertEquals(reads, WorkflowTestSupport.auditEvents("execution.payload.read", "execution", r.eid).size(),
                "no payload was read, so no read is audited");
        given().auth().oauth2(r.editor).contentType(ContentType.JSON).body(Map.of("from", "start"))
                .post(r.path() + "/rerun").then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void errorsKeepsEverythingOfAFailedExecution() throws Exception {
        Run r = runTo("errors", blocked.url("/errors-fail"));
        assertEquals("failed", r.end.getString("status"));
        Stored s = stored(r.eid);
        assertTrue(s.input && s.dataKey);
        assertEquals("kept", s.payloads);
        assertEquals(1, s.errorMessages);
        given().auth().oauth2(r.editor).get(r.path()).then().statusCode(200)
                .body("payloads", nullValue()).body("input.body.mrn", equalTo(r.marker))
                .body("steps[0].error.type", equalTo("egress_blocked"))
                .body("steps[0].error.message", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void noneKeepsOnlyTheErrorTypeOfAFailedExecution() throws Exception {
        Run r = runTo("none", blocked.url("/none-fail"));
        assertEquals("failed", r.end.getString("status"));
        Stored s = stored(r.eid);
        assertFalse(s.input || s.dataKey);
        assertEquals("discarded", s.payloads);
        assertEquals("egress_blocked", s.errorType);
        assertNull(s.errorMessage, "the execution's error message is gone");
        assertEquals(0, s.errorMessages, "error_enc is null");
        assertEquals(1, s.errorTypes, "the step keeps its error type");
        given().auth().oauth2(r.editor).get(r.path()).then().statusCode(200)
                .body("status", equalTo("failed")).body("payloads", equalTo("discarded"))
                .body("error.type", equalTo("egress_blocked")).body("error.message", nullValue())
                .body("steps[0].status", equalTo("failed")).body("steps[0].error.type", equalTo("egress_blocked"))
                .body("steps[0].error.message", nullValue());
        given().auth().oauth2(token(r.ws, "viewer")).get(r.path()).then().statusCode(200)
                .body("payloads", equalTo("discarded")).body("steps[0].error.type", equalTo("egress_blocked"));
    }

    @Test
    void noneDiscardsEverythingOfASucceededExecution() throws Exception {
        Run r = runTo("none", receiver.url("/none-ok"));
        assertEquals("succeeded", r.end.getString("status"));
        Stored s = stored(r.eid);
        assertFalse(s.input || s.dataKey);
        assertEquals("discarded", s.payloads);
        assertEquals(0, s.outputs + s.errorMessages);
        assertTrue(receiver.hits().stream().anyMatch(h -> h.path().equals("/none-ok") && h.body().contains(r.marker)),
                "the step itself ran with its input");
    }

    @Test
    void aQueuedExecutionCancelledAtOnceEndsTheSameWay() throws Exception {
        String ws = newWorkspace();
        JsonPath wf = WorkflowTestSupport.create(ws, token(ws, "editor"), definition("none", receiver.url("/q")));
        // the row as the cancel of a queued execution leaves it (inserted ended, so no engine picks it up), then the
        // end-of-execution step that cancel runs in its transaction
        String eid = java.util.UUID.randomUUID().toString();
        try (Connection c = PostgresTestResource.jdbc()) {
            c.createStatement().executeUpdate("insert into execution (id, workspace_id, workflow_id, workflow_version,"
                    + " status, trigger_type, input_enc, data_key_wrapped, error_message, created_at, finished_at)"
                    + " values ('" + eid + "', '" + ws + "', '" + wf.getString("id") + "', 1, 'cancelled', 'manual',"
                    + " '\\x00', 'x', 'cancelled on request', now(), now())");
        }
        store.pool().withTransaction(tx -> store.ended(tx, java.util.UUID.fromString(eid))).await().indefinitely();
        Stored s = stored(eid);
        assertFalse(s.input || s.dataKey);
        assertEquals("discarded", s.payloads);
        assertNull(s.errorMessage);
        assertEquals(1, WorkflowTestSupport.count("select count(*) from usage_daily where workspace_id = '" + ws
                + "' and executions = 1 and succeeded = 0 and failed = 0"));
    }

    @Test
    void invalidPolicyIs422NamingTheField() {
        String ws = newWorkspace();
        given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON)
                .body(definition("sometimes", receiver.url("/x")))
                .post("/api/v1/workspaces/" + ws + "/workflows").then().statusCode(422)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("settings.payloads"));
        Map<String, Object> unknown = new HashMap<>(WorkflowTestSupport.httpWorkflow(receiver.url("/x")));
        unknown.put("settings", Map.of("payloads", "all", "keepForever", true));
        given().auth().oauth2(token(ws, "editor")).contentType(ContentType.JSON).body(unknown)
                .post("/api/v1/workspaces/" + ws + "/workflows").then().statusCode(422)
                .body("errors.field", hasItem("settings.keepForever"));
    }

    @Test
    void thePolicyIsPartOfTheDefinitionAndItsExport() {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        JsonPath wf = WorkflowTestSupport.create(ws, editor, definition("errors", receiver.url("/x")));
        given().auth().oauth2(editor).get("/api/v1/workspaces/" + ws + "/workflows/" + wf.getString("id") + "/export")
                .then().statusCode(200).body("definition.settings.payloads", equalTo("errors"));
    }

    private record Run(String ws, String editor, String eid, String marker, JsonPath end) {
        String path() {
            return "/api/v1/workspaces/" + ws + "/executions/" + eid;
        }
    }

    private static Map<String, Object> definition(String policy, String url) {
        Map<String, Object> def = new HashMap<>(WorkflowTestSupport.httpWorkflow(url));
        if (policy != null) {
            def.put("settings", Map.of("payloads", policy));
        }
        return def;
    }

    private static Run runTo(String policy, String url) throws Exception {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        JsonPath wf = WorkflowTestSupport.create(ws, editor, definition(policy, url));
        String marker = "MRN-" + System.nanoTime();
        String eid = trigger(wf.getString("webhookUrl"), "{\"mrn\":\"" + marker + "\"}");
        JsonPath end = awaitTerminal(ws, editor, eid);
        return new Run(ws, editor, eid, marker, end);
    }

    static Stored stored(String eid) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery("""
                select e.input_enc is not null, e.data_key_wrapped is not null, e.payloads, e.error_type,
                       e.error_message,
                       (select count(*) from execution_step s where s.execution_id = e.id and s.output_enc is not null),
                       (select count(*) from execution_step s where s.execution_id = e.id and s.error_enc is not null),
                       (select count(*) from execution_step s where s.execution_id = e.id and s.error_type is not null)
                  from execution e where e.id = '%s'""".formatted(eid))) {
            assertTrue(rs.next());
            Stored s = new Stored(rs.getBoolean(1), rs.getBoolean(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getInt(8));
            assertNotNull(s.payloads);
            return s;
        }
    }
}
