package io.medhook.audit.event;

import static io.restassured.RestAssured.given;

import io.medhook.common.Ids;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.AuditJson;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.restassured.RestAssured;
import io.restassured.parsing.Parser;
import io.restassured.response.ValidatableResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** Events, batches, tokens and direct database reads shared by the audit-service tests. */
final class AuditFixtures {

    static final String BATCH = "/api/v1/audit/events/batch";
    static final String EVENTS = "/api/v1/audit/events";
    static final String VERIFY = "/api/v1/audit/verify";
    static final String PROBLEM_JSON = "application/problem+json";

    static {
        RestAssured.registerParser(PROBLEM_JSON, Parser.JSON);
    }

    private AuditFixtures() {
    }

    /** A workspace id no other test uses. */
    static String newWorkspace() {
        return "ws-" + UUID.randomUUID();
    }

    static AuditEvent event(String workspaceId, String action) {
        return event(workspaceId, action, "user-1", "workflow", "wf-1", Instant.now());
    }

    static AuditEvent event(String workspaceId, String action, String actorId, String resourceType,
            String resourceId, Instant occurredAt) {
        return new AuditEvent(Ids.uuidV7(), occurredAt.truncatedTo(ChronoUnit.MICROS),
                new AuditEvent.Actor("user", actorId, "Alice Example"), action,
                new AuditEvent.Resource(resourceType, resourceId), workspaceId, AuditEvent.Outcome.success,
                "req-" + UUID.randomUUID(), "10.1.2.3", "test-agent/1.0",
                Map.of("after", Map.of("name", "Admissions feed", "enabled", true, "retries", 3)));
    }

    /** A batch body exactly as the producers' outbox relay builds it. */
    static String batch(List<AuditEvent> events) {
        return events.stream().map(AuditJson::write).collect(Collectors.joining(",", "{\"events\":[", "]}"));
    }

    static String serviceToken() {
        return TestIssuer.current().service("workflow-service", "medhook-audit");
    }

    static String ownerToken() {
        return TestIssuer.current().user("root", Map.of(), "owner");
    }

    static String userToken(String subject, Map<String, String> workspaces) {
        return TestIssuer.current().user(subject, workspaces);
    }

    static ValidatableResponse postBatch(String token, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body).when().post(BATCH).then();
    }

    static ValidatableResponse ingest(List<AuditEvent> events) {
        return postBatch(serviceToken(), batch(events)).statusCode(200);
    }

    static Connection db() throws SQLException {
        return PostgresTestResource.jdbc();
    }

    static long seqOf(UUID id) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = c.prepareStatement("select seq from audit_event where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("event not stored: " + id);
                }
                return rs.getLong(1);
            }
        }
    }

    static long countStored(List<UUID> ids) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = c.prepareStatement("select count(*) from audit_event where id = any(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
