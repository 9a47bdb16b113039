package io.medhook.sandbox;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health, metrics and the API description, as Kubernetes and operators see them. */
@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void isLiveAndReadyWithAWorkingEngine() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("sandbox-executions"));
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("graaljs"));
    }

    @Test
    void publishesExecutionMetrics() {
        given().when().get("/q/metrics").then().statusCode(200)
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
