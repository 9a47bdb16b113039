package io.medhook.sandbox.runtime;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The test JVM runs without JVMCI flags (surefire's argLine), so the service must find and report the interpreter,
 * and be ready with it.
 */
@QuarkusTest
class SandboxRuntimeTest {

    /** The management interface's /q/ (quarkus.management.enabled): health and metrics live there, not on the API port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    @Inject
    SandboxRuntime runtime;

    @Test
    void detectsTheInterpreterInAJvmWithoutJvmciFlags() {
        RuntimeStatus s = runtime.status().orElseThrow();
        assertEquals(RuntimeMode.INTERPRETER, s.requested());
        assertEquals(RuntimeMode.INTERPRETER, s.actual());
        assertEquals("Interpreted", s.implementation());
    }

    @Test
    void reportsTheRuntimeAsAGaugeAndInReadiness() {
        given().when().get(management + "metrics").then().statusCode(200)
                .body(containsString("medhook_sandbox_runtime{mode=\"interpreter\",requested=\"interpreter\"} 1.0"));
        given().when().get(management + "health/ready").then().statusCode(200)
                .body("checks.name", hasItem("graaljs-runtime"))
                .body("checks.find { it.name == 'graaljs-runtime' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'graaljs-runtime' }.data.mode", equalTo("interpreter"));
    }
}
