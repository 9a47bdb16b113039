package io.medhook.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** Health, metrics and the API description, as Kubernetes and operators see them. */
@QuarkusTest
class OperationsEndpointsTest {

    /** The management interface's /q/ (quarkus.management.enabled): health and metrics live there, not on the API port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    @Test
    void isLiveAndReadyWithAWorkingEngine() {
        given().when().get(management + "health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("sandbox-executions"));
        given().when().get(management + "health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("graaljs"));
    }

    @Test
    void keepsHealthAndMetricsOffTheApiPort() {
        given().when().get("/q/health/ready").then().statusCode(404);
        given().when().get("/q/metrics").then().statusCode(404);
    }

    @Test
    void publishesExecutionMetrics() {
        given().when().get(management + "metrics").then().statusCode(200)
                .body(containsString("medhook_sandbox_executions_slots"))
                .body(containsString("medhook_sandbox_executions_queued"))
                .body(containsString("medhook_sandbox_executions_stuck"));
    }

    @Test
    void describesTheApi() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/sandbox/executions"))
                .body(containsString("RunScriptRequest"))
                .body(containsString("memoryBytes"))
                .body(containsString("ExecutionResources"))
                .body(containsString("memory_limit"));
    }
}
