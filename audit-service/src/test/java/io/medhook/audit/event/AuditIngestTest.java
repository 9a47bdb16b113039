package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.BATCH;
import static io.medhook.audit.event.AuditFixtures.PROBLEM_JSON;
import static io.medhook.audit.event.AuditFixtures.batch;
import static io.medhook.audit.event.AuditFixtures.countStored;
import static io.medhook.audit.event.AuditFixtures.db;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.postBatch;
import static io.medhook.audit.event.AuditFixtures.serviceToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditJson;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class AuditIngestTest {

    @Test
    void ingestsBatchAndStoresEveryFieldAsHashed() throws Exception {
        String ws = newWorkspace();
        AuditEvent e = new AuditEvent(UUID.randomUUID(),
                Instant.parse("2025-03-04T05:06:07.123456789Z"), new AuditEvent.Actor("user", "u-42", "Dr. Ünal"),
                "credential.update", new AuditEvent.Resource("credential", "cred-7"), ws,
                AuditEvent.Outcome.success, "req-abc", "192.0.2.10", "Mozilla/5.0",
                Map.of("before", Map.of("name", "old", "secret", "***"), "after", Map.of("name", "new", "n", 1.50)));

        ingest(List.of(e)).body("accepted", equalTo(1)).body("duplicates", equalTo(0));

        String sql = "select occurred_at, change, prev_hash, hash, actor_name, workspace_id from audit_event"
                + " where id = ?";
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, e.id());
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(Instant.parse("2025-03-04T05:06:07.123456Z"),
                        rs.getObject(1, OffsetDateTime.class).toInstant(), "occurredAt is kept to the microsecond");
                String change = rs.getString(2);
                assertEquals("{\"after\":{\"n\":1.5,\"name\":\"new\"},"
                        + "\"before\":{\"name\":\"old\",\"secret\":\"***\"}}", change,
                        "change is stored as canonical JSON");
                String expectedCanonical = "{\"action\":\"credential.update\",\"actor\":{\"id\":\"u-42\","
                        + "\"name\":\"Dr. Ünal\",\"type\":\"user\"},\"change\":" + change + ",\"id\":\""
                        + e.id() + "\",\"occurredAt\":\"2025-03-04T05:06:07.123456Z\",\"outcome\":\"success\","
                        + "\"requestId\":\"req-abc\",\"resource\":{\"id\":\"cred-7\",\"type\":\"credential\"},"
                        + "\"sourceAddress\":\"192.0.2.10\",\"userAgent\":\"Mozilla/5.0\",\"workspaceId\":\"" + ws
                        + "\"}";
                assertEquals(ChainHash.hash(rs.getString(3), expectedCanonical), rs.getString(4));
                assertEquals("Dr. Ünal", rs.getString(5));
                assertEquals(ws, rs.getString(6));
            }
        }
    }

    @Test
    void ingestsBatchIdempotently() throws Exception {
        String ws = newWorkspace();
        AuditEvent a = event(ws, "workflow.create");
        AuditEvent b = event(ws, "workflow.update");
        AuditEvent c = event(ws, "workflow.delete");

        ingest(List.of(a, b)).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        // a relay retrying after a lost answer resends what was stored already
        ingest(List.of(a, b, c)).body("accepted", equalTo(1)).body("duplicates", equalTo(2));
        ingest(List.of(a)).body("accepted", equalTo(0)).body("duplicates", equalTo(1));

        assertEquals(3, countStored(List.of(a.id(), b.id(), c.id())));
    }

    @Test
    void countsRepeatedIdWithinOneBatchAsDuplicate() throws Exception {
        AuditEvent a = event(newWorkspace(), "workflow.create");
        ingest(List.of(a, a)).body("accepted", equalTo(1)).body("duplicates", equalTo(1));
        assertEquals(1, countStored(List.of(a.id())));
    }

    @Test
    void acceptsEventWithOnlyRequiredFields() throws Exception {
        AuditEvent minimal = new AuditEvent(UUID.randomUUID(), Instant.now(), new AuditEvent.Actor("system", null,
                null), "retention.run", null, null, AuditEvent.Outcome.failure, null, null, null, null);
        ingest(List.of(minimal)).body("accepted", equalTo(1));
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select resource_type, change, workspace_id from audit_event where id = ?")) {
            ps.setObject(1, minimal.id());
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertNull(rs.getString(1));
                assertNull(rs.getString(2));
                assertNull(rs.getString(3));
            }
        }
    }

    @Test
    void acceptsEmptyBatch() {
        postBatch(serviceToken(), "{\"events\":[]}").statusCode(200)
                .body("accepted", equalTo(0)).body("duplicates", equalTo(0));
    }

    @Test
    void rejectsMalformedJsonWithProblem() {
        postBatch(serviceToken(), "{\"events\":[{\"id\":").statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("status", equalTo(400))
                .body("type", equalTo("https://medhook.io/problems/bad-request"))
                .body(not(containsString("Exception")))
                .body(not(containsString("at io.")));
    }

    @Test
    void rejectsBatchOverLimitWhole() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            events.add(event(ws, "workflow.run"));
        }
        postBatch(serviceToken(), batch(events)).statusCode(413)
                .contentType(PROBLEM_JSON)
                .body("maxEvents", equalTo(1000));
        assertEquals(0, countStored(events.stream().map(AuditEvent::id).toList()));
    }

    @ParameterizedTest
    @ValueSource(strings = { "id", "occurredAt", "actor", "actor.type", "action", "outcome" })
    void rejectsEventMissingRequiredField(String field) throws Exception {
        String ws = newWorkspace();
        AuditEvent valid = event(ws, "workflow.create");
        AuditEvent broken = event(ws, "workflow.update");
        ObjectNode body = AuditJson.MAPPER.createObjectNode();
        ArrayNode events = body.putArray("events");
        events.add(AuditJson.MAPPER.readTree(AuditJson.write(valid)));
        ObjectNode second = (ObjectNode) AuditJson.MAPPER.readTree(AuditJson.write(broken));
        if (field.equals("actor.type")) {
            ((ObjectNode) second.get("actor")).remove("type");
        } else {
            second.remove(field);
        }
        events.add(second);

        String reported = field.equals("actor") ? "actor.type" : field;
        postBatch(serviceToken(), body.toString()).statusCode(400)
                .contentType(PROBLEM_JSON)
                .body("field", equalTo("events[1]." + reported))
                .body("detail", containsString("events[1]." + reported));
        // the batch is refused whole
        assertEquals(0, countStored(List.of(valid.id())));
    }

    @Test
    void rejectsUnknownOutcome() {
        String body = batch(List.of(event(newWorkspace(), "workflow.create"))).replace("\"success\"", "\"maybe\"");
        postBatch(serviceToken(), body).statusCode(400).contentType(PROBLEM_JSON)
                .body("detail", containsString("outcome"));
    }

    @Test
    void rejectsChangeThatIsNotAnObject() {
        String body = batch(List.of(new AuditEvent(UUID.randomUUID(), Instant.now(),
                new AuditEvent.Actor("user", "u", "u"), "x.y", null, null, AuditEvent.Outcome.success, null, null,
                null, null))).replace("\"outcome\"", "\"change\":[1,2],\"outcome\"");
        postBatch(serviceToken(), body).statusCode(400).contentType(PROBLEM_JSON)
                .body("detail", containsString("change"));
    }

    @Test
    void rejectsBodyWithoutEvents() {
        postBatch(serviceToken(), "{}").statusCode(400).contentType(PROBLEM_JSON)
                .body("field", equalTo("events"));
    }

    @Test
    void rejectsTextWithNulCharacter() {
        String body = batch(List.of(event(newWorkspace(), "workflow.create"))).replace("\"workflow.create\"",
                "\"workflow\\u0000create\"");
        postBatch(serviceToken(), body).statusCode(400).contentType(PROBLEM_JSON)
                .body("field", equalTo("events[0].action"));
    }

    @Test
    void rejectsNonJsonContentType() {
        given().auth().oauth2(serviceToken()).contentType("text/plain").body("events").when().post(BATCH).then()
                .statusCode(415).contentType(PROBLEM_JSON);
    }
}
