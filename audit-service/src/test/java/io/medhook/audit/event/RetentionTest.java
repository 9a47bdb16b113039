package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.db;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.ownerToken;
import static io.medhook.audit.event.AuditFixtures.seqOf;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

/**
 * Retention prunes a prefix of the chain, never a held workspace's events, anchors what is left with a signed
 * checkpoint so it still verifies (live and in an export), and records its run. Runs after every other class of this
 * module (junit.quarkus.orderer.secondary-orderer in application.properties orders classes by @Order): pruning changes where the shared chain starts.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionTest {

    @Inject
    RetentionService retention;

    private static long count(String sql) throws SQLException {
        try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    @Order(1)
    void pruningKeepsTheChainVerifiableAndHonoursLegalHolds() throws Exception {
        String owner = ownerToken();
        String held = newWorkspace();
        String free = newWorkspace();
        ingest(List.of(event(free, "old.one"), event(free, "old.two")));
        AuditEvent heldEvent = event(held, "held.one");
        ingest(List.of(heldEvent, event(free, "after.hold")));
        long heldSeq = seqOf(heldEvent.id());
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("reason", "litigation 2026-17"))
                .put("/api/v1/audit/legal-holds/" + held).then().statusCode(204);
        given().auth().oauth2(owner).get("/api/v1/audit/legal-holds").then().statusCode(200)
                .body("items.workspaceId", org.hamcrest.Matchers.hasItem(held));

        // everything is "expired" for this run: only the hold stops it
        RetentionService.Report r = retention.run(Instant.now().plus(Duration.ofDays(1)), AuditContext.system("test"))
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(heldSeq - 1, r.prunedThroughSeq(), "pruning stops before the held workspace's first event");
        assertEquals(0, count("select count(*) from audit_event where seq < " + heldSeq), "everything before it is gone");
        assertEquals(1, count("select count(*) from audit_event where seq = " + heldSeq));
        assertTrue(r.removed() > 0);
        assertEquals(1, count("select count(*) from checkpoint where seq = " + (heldSeq - 1)),
                "the anchor is backed by a signed checkpoint");

        given().auth().oauth2(owner).get("/api/v1/audit/verify").then().statusCode(200)
                .body("intact", org.hamcrest.Matchers.equalTo(true))
                .body("firstSeq", org.hamcrest.Matchers.equalTo((int) heldSeq));
        given().auth().oauth2(owner).queryParam("fromSeq", 1).get("/api/v1/audit/verify").then().statusCode(400)
                .contentType("application/problem+json");
        String export = given().auth().oauth2(owner).get("/api/v1/audit/export").then().statusCode(200)
                .extract().asString();
        String key = given().auth().oauth2(owner).get("/api/v1/audit/checkpoints/public-key").then()
                .extract().path("publicKey");
        VerifyExport.Result offline = VerifyExport.verify(new BufferedReader(new StringReader(export)), key);
        assertTrue(offline.ok(), offline.message());
        assertTrue(count("select count(*) from audit_event where action = 'audit.retention'") >= 1,
                "the run is recorded");

        // once released, the rest can go too; a direct DELETE is still refused
        given().auth().oauth2(owner).delete("/api/v1/audit/legal-holds/" + held).then().statusCode(204);
        given().auth().oauth2(owner).delete("/api/v1/audit/legal-holds/" + held).then().statusCode(404);
        RetentionService.Report second = retention.run(Instant.now().plus(Duration.ofDays(1)),
                AuditContext.system("test")).await().atMost(Duration.ofSeconds(30));
        assertTrue(second.prunedThroughSeq() > heldSeq, "the released workspace's events were pruned");
        given().auth().oauth2(owner).get("/api/v1/audit/verify").then().statusCode(200)
                .body("intact", org.hamcrest.Matchers.equalTo(true));
        try (Connection c = db(); Statement st = c.createStatement()) {
            assertThrows(SQLException.class, () -> st.executeUpdate("delete from audit_event"),
                    "outside audit_prune the log stays append-only");
        }
    }

    /** After the first test pruned, the chain starts at an anchor: forging its hash is caught. */
    @Test
    @Order(2)
    void aForgedAnchorIsReported() throws Exception {
        ingest(List.of(event(newWorkspace(), "x.one"), event(newWorkspace(), "x.two")));
        assertTrue(retention.anchor().await().atMost(Duration.ofSeconds(10)).seq() > 0, "the chain was pruned");
        String owner = ownerToken();
        String original;
        try (Connection c = db(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select hash from chain_anchor where id = 1")) {
            rs.next();
            original = rs.getString(1);
        }
        try (Connection c = db(); Statement st = c.createStatement()) {
            st.executeUpdate("update chain_anchor set hash = repeat('b', 64) where id = 1");
            try {
                given().auth().oauth2(owner).get("/api/v1/audit/verify").then().statusCode(200)
                        .body("intact", org.hamcrest.Matchers.equalTo(false))
                        .body("brokenAt.reason", org.hamcrest.Matchers.equalTo(VerifyReport.ANCHOR_UNSIGNED));
            } finally {
                st.executeUpdate("update chain_anchor set hash = '" + original + "' where id = 1");
            }
        }
        assertFalse(original.isEmpty());
    }

    @Test
    void onlyOwnersManageRetention() {
        String admin = AuditFixtures.userToken("adm", Map.of(newWorkspace(), "admin"));
        given().auth().oauth2(admin).post("/api/v1/audit/retention/run").then().statusCode(403);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .put("/api/v1/audit/legal-holds/w").then().statusCode(403);
        given().auth().oauth2(ownerToken()).contentType(ContentType.JSON).body(Map.of("reason", ""))
                .put("/api/v1/audit/legal-holds/w").then().statusCode(400);
        // the test profile keeps 100 years: a real run removes nothing here
        given().auth().oauth2(ownerToken()).post("/api/v1/audit/retention/run").then().statusCode(200)
                .body("removed", org.hamcrest.Matchers.equalTo(0));
    }
}
