package io.medhook.sandbox.execution;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.sandbox.execution.AbuseCorpus.Case;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The escape and abuse corpus ({@link AbuseCorpus}): every case one by one through the real HTTP API, then all of them
 * at once, several executions at a time, against the {@link ScriptRunner} that the API uses (the HTTP path admits only
 * two executions at a time in the test profile).
 */
@QuarkusTest
class AbuseCorpusTest {

    /** What must never appear in a response: host class names, host stack frames. */
    static final Pattern HOST_DETAILS = Pattern.compile(
            "java\\.|javax\\.|org\\.graalvm|com\\.oracle|truffle|polyglot\\.|\\tat |Exception|\\.java:");

    /** Executions running at once in the concurrent pass: more than the CPUs, so contexts really overlap. */
    static final int PARALLEL = 6;

    @Inject
    ScriptRunner runner;

    @Inject
    ObjectMapper mapper;

    static Stream<Case> cases() {
        return AbuseCorpus.cases().stream();
    }

    @Test
    void hasAtLeastFiftyCasesWithUniqueNames() {
        List<Case> all = AbuseCorpus.cases();
        assertTrue(all.size() >= 50, all.size() + " cases");
        assertEquals(all.size(), all.stream().map(Case::name).distinct().count(), "case names must be unique");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneByOneOverHttp(Case c) throws Exception {
        if (c.before() != null) {
            String before = post(c.before(), null, c.timeoutMs(), null);
            assertFalse(HOST_DETAILS.matcher(before).find(), before);
        }
        String body = post(c.source(), c.input(), c.timeoutMs(), c.memoryBytes());
        check(c, mapper.readTree(body), body);
        // and the service keeps serving
        String again = post("return 1;", null, 2000, null);
        assertTrue(again.startsWith("{\"status\":\"succeeded\""), again);
    }

    @Test
    void allAtOnceAgainstTheRunner() throws Exception {
        List<Case> all = AbuseCorpus.cases().stream().filter(c -> !c.alone()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, new ExecutionSlots.Named("test-exec"));
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            // readers of cross-run leaks run beside their writers, not after them
            for (Case c : all) {
                if (c.before() != null) {
                    done.add(CompletableFuture.runAsync(() -> direct(c.before(), null, c.timeoutMs(), null), pool));
                }
                done.add(CompletableFuture.runAsync(() -> {
                    RunScriptResult r = direct(c.source(), c.input(), c.timeoutMs(), c.memoryBytes());
                    try {
                        String body = mapper.writeValueAsString(r);
                        check(c, mapper.readTree(body), body, true);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < done.size(); i++) {
                try {
                    done.get(i).get(120, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " cases failed when run concurrently:\n"
                    + String.join("\n", failures));
        } finally {
            pool.shutdownNow();
        }
        assertEquals("succeeded", direct("return 1;", null, 2000, null).status().name().toLowerCase());
    }

    private RunScriptResult direct(String source, String input, int timeoutMs, Long memoryBytes) {
        long memory = ScriptRunner.effectiveMemory(memoryBytes, 128L << 20);
        return runner.run(source, input == null ? "null" : input, Duration.ofMillis(timeoutMs), memory);
    }

    private String post(String source, String input, int timeoutMs, Long memoryBytes) throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("source", source);
        body.put("input", input == null ? null : mapper.readTree(input));
        body.put("timeoutMs", timeoutMs);
        if (memoryBytes != null) {
            body.put("memoryBytes", memoryBytes);
        }
        return given().auth().oauth2(Tokens.workflowService())
                .contentType(ContentType.JSON)
                .body(mapper.writeValueAsString(body))
                .when().post(ExecutionResourceTest.PATH)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().asString();
    }

    private void check(Case c, JsonNode result, String body) throws java.io.IOException {
        check(c, result, body, false);
    }

    /**
     * @param concurrently run beside other cases: a memory bomb may then be stopped by its wall-clock limit first (the
     *                     heap growth the memory estimate relies on is shared, README "How memory is limited"); it is
     *                     stopped either way, and alone it must meet its memory limit
     */
    private void check(Case c, JsonNode result, String body, boolean concurrently) throws java.io.IOException {
        String status = result.path("status").asText();
        String got = "succeeded".equals(status) ? status : result.path("error").path("type").asText();
        String detail = c.name() + ": expected " + c.outcome() + ", got " + got + " "
                + (result.has("error") ? result.get("error") : "output " + abbreviate(result.get("output")));
        if (concurrently && "memory_limit".equals(c.outcome()) && "timeout".equals(got)) {
            got = c.outcome();
        }
        assertEquals(c.outcome(), got, detail);
        assertFalse(HOST_DETAILS.matcher(body).find(), c.name() + ": host details in " + abbreviate(result));
        assertNotNull(result.get("resources"), c.name() + ": no resources");
        if ("succeeded".equals(c.outcome())) {
            assertTrue(result.has("output"), detail);
            if (c.output() != null) {
                assertEquals(mapper.writeValueAsString(mapper.readTree(c.output())),
                        mapper.writeValueAsString(result.get("output")), c.name());
            }
        } else {
            assertFalse(result.has("output"), detail);
            if (c.message() != null) {
                assertTrue(result.path("error").path("message").asText().contains(c.message()), detail);
            }
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
