package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.ownerToken;
import static io.medhook.audit.event.AuditFixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Exports: streamed NDJSON with a trailing manifest and CSV, whole chain for the owner or one workspace for its
 * admins and auditors, each export audited, and the offline verifier that accepts an intact export and points at an
 * altered or missing event.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class ExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String publicKey(String token) {
        return given().auth().oauth2(token).get("/api/v1/audit/checkpoints/public-key").then().statusCode(200)
                .extract().path("publicKey");
    }

    private static VerifyExport.Result verify(String export, String key) throws Exception {
        return VerifyExport.verify(new BufferedReader(new StringReader(export)), key);
    }

    @Test
    void theOwnerExportsTheWholeChainAndItVerifiesOffline() throws Exception {
        String ws = newWorkspace();
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            events.add(event(ws, "workflow.update"));
        }
        ingest(events);
        String owner = ownerToken();

        Response r = given().auth().oauth2(owner).queryParam("format", "ndjson").get("/api/v1/audit/export");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/x-ndjson"), r.contentType());
        String body = r.asString();
        String[] lines = body.split("\n");
        JsonNode manifest = JSON.readTree(lines[lines.length - 1]).get("manifest");
        long toSeq = Long.parseLong(r.header("X-Medhook-Export-To-Seq"));
        assertEquals(toSeq, manifest.get("lastSeq").asLong());
        assertEquals(lines.length - 1, manifest.get("count").asLong());
        assertEquals("chain", manifest.get("scope").asText());
        assertEquals(ChainHash.GENESIS, manifest.get("firstPrevHash").asText());
        assertTrue(body.contains(events.get(29).id().toString()), "the new events are exported");

        VerifyExport.Result ok = verify(body, publicKey(owner));
        assertTrue(ok.ok(), ok.message());
        assertEquals(toSeq, ok.events());

        // an altered field, a dropped event, a foreign public key: each is caught
        int victim = lines.length / 2;
        String altered = String.join("\n", Arrays.stream(lines).map(l -> l == lines[victim]
                ? l.replace("\"Alice Example\"", "\"Mallory\"") : l).toList());
        assertTrue(lines[victim].contains("Alice Example") || !altered.equals(body), "the victim line changed");
        VerifyExport.Result tampered = verify(altered, publicKey(owner));
        assertFalse(tampered.ok());
        long victimSeq = JSON.readTree(lines[victim]).get("seq").asLong();
        assertTrue(tampered.message().contains("seq " + victimSeq), tampered.message());

        List<String> dropped = new ArrayList<>(Arrays.asList(lines));
        dropped.remove(victim);
        VerifyExport.Result missing = verify(String.join("\n", dropped), publicKey(owner));
        assertFalse(missing.ok());
        assertTrue(missing.message().contains("broken at seq " + (victimSeq + 1)), missing.message());

        String otherKey = java.util.Base64.getEncoder().encodeToString(java.security.KeyPairGenerator
                .getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        assertFalse(verify(body, otherKey).ok(), "a checkpoint signed by another key is refused");

        // the same bounds give the same events and the same manifest counts
        given().auth().oauth2(owner).queryParam("toSeq", toSeq).get("/api/v1/audit/export/manifest")
                .then().statusCode(200).body("count", org.hamcrest.Matchers.equalTo((int) toSeq))
                .body("checkpoint.seq", org.hamcrest.Matchers.equalTo((int) toSeq));
    }

    @Test
    void csvHasAHeaderAndOneQuotedRowPerEvent() throws Exception {
        String ws = newWorkspace();
        AuditEvent tricky = event(ws, "workflow.update", "user-\"q\",x", "workflow", "wf,1\nline", java.time.Instant.now());
        ingest(List.of(tricky, event(ws, "workflow.delete")));
        String admin = userToken("admin-" + ws, Map.of(ws, "admin"));
        String csv = given().auth().oauth2(admin).queryParam("format", "csv").queryParam("workspaceId", ws)
                .get("/api/v1/audit/export").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/csv")).extract().asString();
        assertTrue(csv.startsWith(String.join(",", ExportService.CSV_COLUMNS) + "\r\n"), csv);
        assertTrue(csv.contains("\"user-\"\"q\"\",x\""), "quotes are doubled inside quoted cells: " + csv);
        assertTrue(csv.contains("\"wf,1\nline\""), "commas and newlines stay inside one quoted cell");
        assertEquals(2, csv.split("\r\n").length - 1, "one row per event of the workspace: " + csv);
    }

    @Test
    void aWorkspaceExportHoldsOnlyThatWorkspaceAndEachEventVerifies() throws Exception {
        String ws = newWorkspace();
        String other = newWorkspace();
        ingest(List.of(event(ws, "a.one"), event(other, "b.one"), event(ws, "a.two")));
        String auditor = userToken("auditor-" + ws, Map.of(ws, "auditor"));
        String body = given().auth().oauth2(auditor).queryParam("workspaceId", ws).get("/api/v1/audit/export")
                .then().statusCode(200).extract().asString();
        String[] lines = body.split("\n");
        assertEquals(3, lines.length, body);
        assertFalse(body.contains(other), "other workspaces' events are not exported");
        JsonNode manifest = JSON.readTree(lines[2]).get("manifest");
        assertEquals("workspace", manifest.get("scope").asText());
        VerifyExport.Result r = verify(body, publicKey(auditor));
        assertTrue(r.ok(), r.message());
    }

    @Test
    void exportsAreAuthorisedValidatedAndAudited() throws Exception {
        String ws = newWorkspace();
        ingest(List.of(event(ws, "x.y")));
        given().get("/api/v1/audit/export").then().statusCode(401);
        given().auth().oauth2(userToken("ed", Map.of(ws, "editor"))).queryParam("workspaceId", ws)
                .get("/api/v1/audit/export").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(userToken("out", Map.of(newWorkspace(), "admin"))).queryParam("workspaceId", ws)
                .get("/api/v1/audit/export").then().statusCode(404);
        String admin = userToken("adm-" + ws, Map.of(ws, "admin"));
        given().auth().oauth2(admin).get("/api/v1/audit/export").then().statusCode(400)
                .contentType("application/problem+json");
        given().auth().oauth2(admin).queryParam("workspaceId", ws).queryParam("format", "xml")
                .get("/api/v1/audit/export").then().statusCode(400);
        given().auth().oauth2(admin).queryParam("workspaceId", ws).queryParam("fromSeq", "0")
                .get("/api/v1/audit/export").then().statusCode(400);
        given().auth().oauth2(admin).queryParam("workspaceId", ws).get("/api/v1/audit/export").then().statusCode(200);
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*) from audit_event where action = 'audit.export' and actor_id = 'adm-" + ws + "'")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "the export is recorded as an event");
        }
        given().auth().oauth2(admin).queryParam("workspaceId", ws).queryParam("action", "x.y")
                .get("/api/v1/audit/events").then().statusCode(200);
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select change from audit_event where action = 'audit.read' and actor_id = 'adm-" + ws + "'"
                        + " and resource_id = '" + ws + "'")) {
            assertTrue(rs.next(), "reading the audit log is recorded too");
            assertTrue(rs.getString(1).contains("\"action\":\"x.y\""), "with the filters: " + rs.getString(1));
        }
    }

    @Test
    void checkpointsAreSignedWithThePublishedKey() {
        ingest(List.of(event(newWorkspace(), "c.p")));
        String owner = ownerToken();
        given().auth().oauth2(owner).queryParam("format", "ndjson").get("/api/v1/audit/export").then().statusCode(200);
        Map<String, Object> cp = given().auth().oauth2(owner).get("/api/v1/audit/checkpoints/latest")
                .then().statusCode(200).extract().jsonPath().getMap("");
        Checkpoint c = new Checkpoint(((Number) cp.get("seq")).longValue(), (String) cp.get("hash"),
                (String) cp.get("createdAt"), (String) cp.get("keyId"), (String) cp.get("signature"));
        assertTrue(CheckpointSigner.valid(c, publicKey(owner)));
        Checkpoint forged = new Checkpoint(c.seq(), "f".repeat(64), c.createdAt(), c.keyId(), c.signature());
        assertFalse(CheckpointSigner.valid(forged, publicKey(owner)), "the signature covers the hash");
        given().auth().oauth2(userToken("v", Map.of(newWorkspace(), "viewer")))
                .get("/api/v1/audit/checkpoints/latest").then().statusCode(403);
    }
}
