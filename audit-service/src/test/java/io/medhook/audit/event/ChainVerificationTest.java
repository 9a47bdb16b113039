package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.PROBLEM_JSON;
import static io.medhook.audit.event.AuditFixtures.VERIFY;
import static io.medhook.audit.event.AuditFixtures.batch;
import static io.medhook.audit.event.AuditFixtures.db;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.ownerToken;
import static io.medhook.audit.event.AuditFixtures.seqOf;
import static io.medhook.audit.event.AuditFixtures.serviceToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The hash chain end to end: verification over many batches and concurrent writers, detection of rows changed or
 * removed behind the service's back, and the append-only trigger. Tests that tamper restore the row before they end.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class ChainVerificationTest {

    @TestHTTPResource("/api/v1/audit/events/batch")
    URI batchUri;

    private static JsonPath verify(String query) {
        return given().auth().oauth2(ownerToken()).when().get(VERIFY + query).then().statusCode(200).extract()
                .jsonPath();
    }

    private static String[] head() throws SQLException {
        try (Connection c = db(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select seq, hash from chain_head")) {
            rs.next();
            return new String[] { rs.getString(1), rs.getString(2) };
        }
    }

    @Test
    void verifiesChainAfterSeveralBatches() throws Exception {
        String ws = newWorkspace();
        for (int b = 0; b < 3; b++) {
            List<AuditEvent> events = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                events.add(event(ws, "workflow.run"));
            }
            ingest(events).body("accepted", equalTo(7));
        }
        String[] head = head();
        JsonPath report = verify("");
        assertTrue(report.getBoolean("intact"));
        assertEquals(Long.parseLong(head[0]), report.getLong("events"));
        assertEquals(1L, report.getLong("firstSeq"));
        assertEquals(Long.parseLong(head[0]), report.getLong("lastSeq"));
        assertEquals(head[1], report.getString("headHash"));
    }

    @Test
    void staysGaplessAndIntactUnderConcurrentBatches() throws Exception {
        String ws = newWorkspace();
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<UUID> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int accepted = 0;
                    for (int b = 0; b < 5; b++) {
                        List<AuditEvent> events = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            AuditEvent e = event(ws, "workflow.run");
                            events.add(e);
                            ids.add(e.id());
                        }
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(batchUri)
                                .header("Authorization", "Bearer " + serviceToken())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(batch(events))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode(), r.body());
                        accepted += JsonPath.from(r.body()).getInt("accepted");
                    }
                    return accepted;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertEquals(400, total);
        } finally {
            pool.shutdownNow();
        }

        assertEquals(400, AuditFixtures.countStored(ids));
        try (Connection c = db(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select count(*), min(seq), max(seq), count(distinct prev_hash) from audit_event")) {
            rs.next();
            assertEquals(1L, rs.getLong(2), "seq starts at 1");
            assertEquals(rs.getLong(1), rs.getLong(3), "seq has no gaps");
            assertEquals(rs.getLong(1), rs.getLong(4), "no two events link to the same predecessor");
        }
        JsonPath report = verify("");
        assertTrue(report.getBoolean("intact"));
        assertEquals(Long.parseLong(head()[0]), report.getLong("lastSeq"));
    }

    @Test
    void reportsTamperedEventAtItsSeq() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = List.of(event(ws, "workflow.create"), event(ws, "workflow.update"),
                event(ws, "workflow.delete"));
        ingest(events);
        AuditEvent target = events.get(1);
        long seq = seqOf(target.id());

        try (Connection c = db(); Statement st = c.createStatement()) {
            // bypass the append-only trigger in this session only, as an attacker with superuser rights could
            st.execute("set session_replication_role = replica");
            st.executeUpdate("update audit_event set action = 'workflow.read' where seq = " + seq);
            try {
                JsonPath report = verify("");
                assertEquals(false, report.getBoolean("intact"));
                assertEquals(seq, report.getLong("brokenAt.seq"));
                assertEquals(target.id().toString(), report.getString("brokenAt.id"));
                assertEquals("hash mismatch", report.getString("brokenAt.reason"));
                assertEquals(seq - 1, report.getLong("events"), "every link before it checked good");
            } finally {
                st.executeUpdate("update audit_event set action = 'workflow.update' where seq = " + seq);
            }
        }
        assertTrue(verify("").getBoolean("intact"));
    }

    @Test
    void reportsRelinkedEventAsPrevHashMismatchOfItsSuccessor() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = List.of(event(ws, "workflow.create"), event(ws, "workflow.update"),
                event(ws, "workflow.delete"));
        ingest(events);
        long seq = seqOf(events.get(1).id());
        String original;
        try (Connection c = db(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select hash from audit_event where seq = " + seq)) {
                rs.next();
                original = rs.getString(1);
            }
            st.execute("set session_replication_role = replica");
            // a forger who rewrites a row and its hash still breaks the next link
            st.executeUpdate("update audit_event set hash = repeat('a', 64) where seq = " + seq);
            try {
                JsonPath report = verify("?fromSeq=" + seq);
                assertEquals(false, report.getBoolean("intact"));
                assertEquals(seq, report.getLong("brokenAt.seq"));
                assertEquals("hash mismatch", report.getString("brokenAt.reason"));
                JsonPath next = verify("?fromSeq=" + (seq + 1) + "&toSeq=" + (seq + 1));
                assertEquals(seq + 1, next.getLong("brokenAt.seq"));
                assertEquals("prev_hash mismatch", next.getString("brokenAt.reason"));
            } finally {
                st.executeUpdate("update audit_event set hash = '" + original + "' where seq = " + seq);
            }
        }
        assertTrue(verify("").getBoolean("intact"));
    }

    @Test
    void reportsRemovedEventAsSeqGap() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = List.of(event(ws, "workflow.create"), event(ws, "workflow.update"),
                event(ws, "workflow.delete"));
        ingest(events);
        long seq = seqOf(events.get(1).id());
        try (Connection c = db(); Statement st = c.createStatement()) {
            st.execute("set session_replication_role = replica");
            st.execute("create temporary table removed as select * from audit_event where seq = " + seq);
            st.executeUpdate("delete from audit_event where seq = " + seq);
            try {
                JsonPath report = verify("");
                assertEquals(false, report.getBoolean("intact"));
                assertEquals(seq, report.getLong("brokenAt.seq"));
                assertEquals("seq gap", report.getString("brokenAt.reason"));
            } finally {
                st.executeUpdate("insert into audit_event select * from removed");
            }
        }
        assertTrue(verify("").getBoolean("intact"));
    }

    @Test
    void verifiesARangeOfSeqs() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = List.of(event(ws, "a.one"), event(ws, "a.two"), event(ws, "a.three"));
        ingest(events);
        long first = seqOf(events.get(0).id());
        long last = seqOf(events.get(2).id());
        String lastHash;
        try (Connection c = db();
                PreparedStatement ps = c.prepareStatement("select hash from audit_event where seq = ?")) {
            ps.setLong(1, last);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lastHash = rs.getString(1);
            }
        }
        JsonPath report = verify("?fromSeq=" + first + "&toSeq=" + last);
        assertTrue(report.getBoolean("intact"));
        assertEquals(3, report.getLong("events"));
        assertEquals(first, report.getLong("firstSeq"));
        assertEquals(last, report.getLong("lastSeq"));
        assertEquals(lastHash, report.getString("headHash"));
    }

    @Test
    void rejectsInvalidSeqRange() {
        given().auth().oauth2(ownerToken()).when().get(VERIFY + "?fromSeq=zero").then().statusCode(400)
                .contentType(PROBLEM_JSON).body("parameter", equalTo("fromSeq"));
        given().auth().oauth2(ownerToken()).when().get(VERIFY + "?fromSeq=5&toSeq=4").then().statusCode(400)
                .contentType(PROBLEM_JSON).body("parameter", equalTo("toSeq"));
    }

    @Test
    void appendOnlyTriggerRejectsUpdateDeleteAndTruncate() throws Exception {
        AuditEvent e = event(newWorkspace(), "workflow.create");
        ingest(List.of(e));
        long seq = seqOf(e.id());
        try (Connection c = db(); Statement st = c.createStatement()) {
            SQLException update = assertThrows(SQLException.class,
                    () -> st.executeUpdate("update audit_event set action = 'x' where seq = " + seq));
            assertTrue(update.getMessage().contains("append-only"), update.getMessage());
            SQLException delete = assertThrows(SQLException.class,
                    () -> st.executeUpdate("delete from audit_event where seq = " + seq));
            assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
            SQLException truncate = assertThrows(SQLException.class, () -> st.execute("truncate audit_event"));
            assertTrue(truncate.getMessage().contains("append-only"), truncate.getMessage());
        }
        assertEquals(seq, seqOf(e.id()));
        given().auth().oauth2(ownerToken()).when().get(VERIFY).then().statusCode(200)
                .body("intact", equalTo(true)).body("brokenAt", nullValue());
    }
}
