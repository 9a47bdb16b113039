package io.medhook.workflow.execution;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention: payloads and data keys of executions that ended longer ago than their workspace's retention are purged;
 * status, step statuses, error types and usage counters stay. {@link #SHORT} has a 1-day override in the test
 * profile; other workspaces keep the 30-day default, so runs at "now + 2 days" touch no other test's executions.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class PayloadRetentionTest {

    static final String SHORT = "0b7d2c9e-5e1a-4c3e-9a51-000000000001";

    @Inject
    PayloadRetention retention;

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

    @Test
    void purgesPayloadsAndDataKeysAfterTheWorkspaceRetentionAndKeepsStatus() throws Exception {
        String editorShort = token(SHORT, "editor");
        String ok = runOnce(SHORT, editorShort, receiver.url("/r-ok"));
        String failed = runOnce(SHORT, editorShort, blocked.url("/r-fail"));
        String other = WorkflowTestSupport.newWorkspace();
        String editorOther = token(other, "editor");
        String kept = runOnce(other, editorOther, receiver.url("/r-kept"));
        int auditsBefore = audits().size();

        // two replicas at once: every due execution is purged exactly once
        OffsetDateTime later = OffsetDateTime.now().plusDays(2);
        List<PayloadRetention.Result> results = Uni.join().all(retention.run(later), retention.run(later))
                .andFailFast().await().indefinitely();
        assertEquals(2, results.get(0).executions() + results.get(1).executions());

        for (String eid : List.of(ok, failed)) {
            PayloadPolicyTest.Stored s = PayloadPolicyTest.stored(eid);
            assertFalse(s.input() || s.dataKey(), "input and data key are gone");
            assertEquals("purged", s.payloads());
            assertEquals(0, s.outputs() + s.errorMessages());
            assertNull(s.errorMessage());
            assertEquals(1, count("select count(*) from execution where id = '" + eid
                    + "' and payloads_purged_at is not null"));
        }
        assertEquals("egress_blocked", PayloadPolicyTest.stored(failed).errorType(), "the error type stays");
        assertEquals(1, PayloadPolicyTest.stored(failed).errorTypes());
        assertEquals("kept", PayloadPolicyTest.stored(kept).payloads(), "the 30-day default is not due yet");

        given().auth().oauth2(editorShort).get("/api/v1/workspaces/" + SHORT + "/executions/" + ok)
                .then().statusCode(200).body("status", equalTo("succeeded")).body("payloads", equalTo("purged"))
                .body("input", nullValue()).body("steps[0].status", equalTo("succeeded"))
                .body("steps[0].output", nullValue());
        given().auth().oauth2(editorShort).get("/api/v1/workspaces/" + SHORT + "/executions/" + failed)
                .then().statusCode(200).body("status", equalTo("failed")).body("payloads", equalTo("purged"))
                .body("steps[0].error.type", equalTo("egress_blocked")).body("steps[0].error.message", nullValue());

        List<JsonNode> audits = audits();
        assertTrue(audits.size() > auditsBefore, "the run is audited");
        JsonNode last = audits.get(audits.size() - 1);
        assertTrue(last.toString().contains("\"executions\""), last.toString());
        assertFalse(last.toString().contains(ok) || last.toString().contains("MRN-"), "counts only");

        // the usage counters outlive the purge
        assertEquals(1, count("select count(*) from usage_daily where workspace_id = '" + SHORT
                + "' and executions >= 2 and failed >= 1"));

        // nothing left to do: a second run purges nothing and audits nothing
        int auditsAfter = audits().size();
        assertEquals(0, retention.run(later).await().indefinitely().executions());
        assertEquals(auditsAfter, audits().size());

        // the default (30 days) applies to the other workspace once its end is older than that
        try (Connection c = PostgresTestResource.jdbc()) {
            c.createStatement().executeUpdate("update execution set finished_at = now() - interval '31 days' where id = '"
                    + kept + "'");
        }
        assertTrue(retention.run(OffsetDateTime.now()).await().indefinitely().executions() >= 1);
        assertEquals("purged", PayloadPolicyTest.stored(kept).payloads());
    }

    private static List<JsonNode> audits() throws Exception {
        return WorkflowTestSupport.auditEvents("execution.retention", "execution", "retention");
    }

    private static String runOnce(String ws, String editor, String url) throws Exception {
        JsonPath wf = WorkflowTestSupport.create(ws, editor, WorkflowTestSupport.httpWorkflow(url));
        String eid = trigger(wf.getString("webhookUrl"), "{\"mrn\":\"MRN-" + System.nanoTime() + "\"}");
        awaitTerminal(ws, editor, eid);
        return eid;
    }
}
