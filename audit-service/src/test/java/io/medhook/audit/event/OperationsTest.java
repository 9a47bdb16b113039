package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Health, metrics and the API description. */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class OperationsTest {

    /** The management interface's /q/ (quarkus.management.enabled): health and metrics live there, not on the API port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    @Test
    void readinessReportsDatabaseUp() {
        given().when().get(management + "health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void countsIngestedEventsInMetrics() {
        ingest(List.of(event(newWorkspace(), "workflow.create")));
        given().when().get(management + "metrics").then().statusCode(200)
                .body(containsString("medhook_audit_events_ingested_total{result=\"accepted\"}"));
    }

    @Test
    void describesTheApiInOpenApi() {
        given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/audit/events/batch"))
                .body(containsString("/api/v1/audit/verify"));
    }
}
