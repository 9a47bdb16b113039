package io.medhook.sandbox.execution;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Saturation: the test profile has 2 slots and 1 queue place. The busy scripts run 4 s so that a loaded machine still
 * sees the slots and the queue full for long enough.
 */
@QuarkusTest
class ExecutionSlotsTest {

    /** The management interface's /q/ (quarkus.management.enabled): health and metrics live there, not on the API port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    @Test
    void shedsLoadWith503AndRetryAfterWhenSlotsAndQueueAreFull() throws Exception {
        String token = Tokens.workflowService();
        // one request first, so the signing key is cached before concurrent requests need it
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("source", "return 0;"))
                .when().post(ExecutionResourceTest.PATH).then().statusCode(200);
        List<CompletableFuture<String>> busy = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
            for (int i = 0; i < 3; i++) {
                busy.add(CompletableFuture.supplyAsync(() -> given().auth().oauth2(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("source", "while (true) {}", "timeoutMs", 4000))
                        .when().post(ExecutionResourceTest.PATH)
                        .then().statusCode(200)
                        .extract().path("error.type"), clients));
            }
            awaitGauges(2, 1);
            given().auth().oauth2(token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("source", "return 1;"))
                    .when().post(ExecutionResourceTest.PATH)
                    .then().statusCode(503)
                    .contentType("application/problem+json")
                    .header("Retry-After", "1")
                    .body("type", equalTo("https://medhook.io/problems/unavailable"))
                    .body("status", equalTo(503));
            for (CompletableFuture<String> f : busy) {
                assertEquals("timeout", f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        given().auth().oauth2(token)
                .contentType(ContentType.JSON)
                .body(Map.of("source", "return 1;"))
                .when().post(ExecutionResourceTest.PATH)
                .then().statusCode(200)
                .body("output", equalTo(1));
    }

    /** Waits until the service reports the slots taken and the queue filled, as Prometheus would scrape it. */
    private void awaitGauges(int active, int queued) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String metrics = "";
        while (System.nanoTime() < deadline) {
            metrics = given().when().get(management + "metrics").then().statusCode(200).extract().asString();
            if (metrics.contains("medhook_sandbox_executions_active " + active + ".0")
                    && metrics.contains("medhook_sandbox_executions_queued " + queued + ".0")) {
                return;
            }
            Thread.sleep(20);
        }
        assertTrue(false, "slots and queue never filled up: " + metrics.lines()
                .filter(l -> l.startsWith("medhook_sandbox_executions_")).toList());
    }
}
