package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.EVENTS;
import static io.medhook.audit.event.AuditFixtures.PROBLEM_JSON;
import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.ownerToken;
import static io.medhook.audit.event.AuditFixtures.userToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.audit.AuditEvent;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class AuditQueryTest {

    private static JsonPath list(String token, Map<String, ?> params) {
        RequestSpecification spec = given().auth().oauth2(token);
        params.forEach(spec::queryParam);
        return spec.when().get(EVENTS).then().statusCode(200).extract().jsonPath();
    }

    private static List<String> ids(JsonPath page) {
        return page.getList("items.id", String.class);
    }

    @Test
    void listsNewestFirstWithCursorPagination() {
        String ws = newWorkspace();
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(event(ws, "workflow.run"));
        }
        ingest(events);
        String admin = userToken("u-admin", Map.of(ws, "admin"));

        JsonPath first = list(admin, Map.of("workspaceId", ws, "limit", 2));
        assertEquals(List.of(events.get(4).id().toString(), events.get(3).id().toString()), ids(first));
        List<Long> seqs = first.getList("items.seq", Long.class);
        assertTrue(seqs.get(0) > seqs.get(1), "newest (highest seq) first");
        String cursor = first.getString("nextCursor");
        assertNotNull(cursor);

        JsonPath second = list(admin, Map.of("workspaceId", ws, "limit", 2, "cursor", cursor));
        assertEquals(List.of(events.get(2).id().toString(), events.get(1).id().toString()), ids(second));

        JsonPath third = list(admin, Map.of("workspaceId", ws, "limit", 2, "cursor", second.getString("nextCursor")));
        assertEquals(List.of(events.get(0).id().toString()), ids(third));
        assertNull(third.getString("nextCursor"), "no cursor after the last page");
    }

    @Test
    void showsTheAuditContract() {
        String ws = newWorkspace();
        AuditEvent e = event(ws, "credential.rotate");
        ingest(List.of(e));
        given().auth().oauth2(userToken("u-aud", Map.of(ws, "auditor"))).queryParam("workspaceId", ws)
                .when().get(EVENTS).then().statusCode(200)
                .body("items[0].id", equalTo(e.id().toString()))
                .body("items[0].action", equalTo("credential.rotate"))
                .body("items[0].actor.type", equalTo("user"))
                .body("items[0].actor.id", equalTo("user-1"))
                .body("items[0].actor.name", equalTo("Alice Example"))
                .body("items[0].resource.type", equalTo("workflow"))
                .body("items[0].resource.id", equalTo("wf-1"))
                .body("items[0].workspaceId", equalTo(ws))
                .body("items[0].occurredAt", equalTo(e.occurredAt().toString()))
                .body("items[0].outcome", equalTo("success"))
                .body("items[0].requestId", equalTo(e.requestId()))
                .body("items[0].sourceAddress", equalTo("10.1.2.3"))
                .body("items[0].userAgent", equalTo("test-agent/1.0"))
                .body("items[0].change.after.retries", equalTo(3))
                .body("items[0].hash", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{64}"));
    }

    @Test
    void filtersByActionActorResourceAndTime() {
        String ws = newWorkspace();
        Instant t0 = Instant.parse("2024-06-01T10:00:00Z");
        AuditEvent create = event(ws, "workflow.create", "alice", "workflow", "wf-1", t0);
        AuditEvent update = event(ws, "workflow.update", "bob", "workflow", "wf-1", t0.plusSeconds(60));
        AuditEvent rotate = event(ws, "credential.rotate", "alice", "credential", "cred-9", t0.plusSeconds(120));
        ingest(List.of(create, update, rotate));
        String owner = ownerToken();

        assertEquals(List.of(update.id().toString()),
                ids(list(owner, Map.of("workspaceId", ws, "action", "workflow.update"))));
        assertEquals(List.of(rotate.id().toString(), create.id().toString()),
                ids(list(owner, Map.of("workspaceId", ws, "actorId", "alice"))));
        assertEquals(List.of(rotate.id().toString()),
                ids(list(owner, Map.of("workspaceId", ws, "resourceType", "credential", "resourceId", "cred-9"))));
        assertEquals(List.of(update.id().toString(), create.id().toString()),
                ids(list(owner, Map.of("workspaceId", ws, "resourceId", "wf-1"))));
        // from is inclusive, to exclusive
        assertEquals(List.of(update.id().toString()), ids(list(owner, Map.of("workspaceId", ws,
                "from", "2024-06-01T10:01:00Z", "to", "2024-06-01T10:02:00Z"))));
        assertEquals(List.of(rotate.id().toString(), update.id().toString()),
                ids(list(owner, Map.of("workspaceId", ws, "from", "2024-06-01T10:00:30Z"))));
    }

    @Test
    void scopesListingToWorkspacesWhereCallerIsAdminOrAuditor() {
        String w1 = newWorkspace();
        String w2 = newWorkspace();
        String action = "scope.test." + UUID.randomUUID();
        AuditEvent inW1 = event(w1, action);
        AuditEvent inW2 = event(w2, action);
        AuditEvent instanceLevel = event(null, action);
        ingest(List.of(inW1, inW2, instanceLevel));

        // admin of W1, viewer of W2: W1 only
        String mixed = userToken("u-mixed", Map.of(w1, "admin", w2, "viewer"));
        assertEquals(List.of(inW1.id().toString()), ids(list(mixed, Map.of("action", action))));
        // the owner sees every workspace and the events outside any workspace
        assertEquals(List.of(instanceLevel.id().toString(), inW2.id().toString(), inW1.id().toString()),
                ids(list(ownerToken(), Map.of("action", action))));
        // an auditor of both sees both, but not the instance-level event
        String both = userToken("u-both", Map.of(w1, "auditor", w2, "auditor"));
        assertEquals(List.of(inW2.id().toString(), inW1.id().toString()), ids(list(both, Map.of("action", action))));
    }

    @Test
    void answersNotFoundForWorkspaceOfOthersAndForbiddenForWeakRole() {
        String w1 = newWorkspace();
        String w2 = newWorkspace();
        ingest(List.of(event(w2, "workflow.create")));
        // not a member of W2: as if it did not exist
        given().auth().oauth2(userToken("u-w1", Map.of(w1, "admin"))).queryParam("workspaceId", w2)
                .when().get(EVENTS).then().statusCode(404).contentType(PROBLEM_JSON);
        // a member of W2 without an audit role
        given().auth().oauth2(userToken("u-w2", Map.of(w1, "admin", w2, "editor"))).queryParam("workspaceId", w2)
                .when().get(EVENTS).then().statusCode(403).contentType(PROBLEM_JSON);
    }

    @Test
    void rejectsBadQueryParameters() {
        String owner = ownerToken();
        given().auth().oauth2(owner).queryParam("from", "yesterday").when().get(EVENTS).then()
                .statusCode(400).contentType(PROBLEM_JSON).body("parameter", equalTo("from"));
        given().auth().oauth2(owner).queryParam("to", "2024-13-01T00:00:00Z").when().get(EVENTS).then()
                .statusCode(400).contentType(PROBLEM_JSON).body("parameter", equalTo("to"));
        given().auth().oauth2(owner).queryParam("limit", 501).when().get(EVENTS).then()
                .statusCode(400).contentType(PROBLEM_JSON).body("parameter", equalTo("limit"));
        given().auth().oauth2(owner).queryParam("limit", "ten").when().get(EVENTS).then()
                .statusCode(400).contentType(PROBLEM_JSON).body("parameter", equalTo("limit"));
        given().auth().oauth2(owner).queryParam("cursor", "not*a*cursor").when().get(EVENTS).then()
                .statusCode(400).contentType(PROBLEM_JSON).body("parameter", equalTo("cursor"));
    }
}
