package io.medhook.sandbox.execution;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@QuarkusTestResource(TestIssuerResource.class)
class ExecutionResourceTest {

    static final String PATH = "/api/v1/sandbox/executions";

    static ValidatableResponse run(Object body) {
        return given().auth().oauth2(Tokens.workflowService())
                .contentType(ContentType.JSON)
                .body(body)
                .when().post(PATH)
                .then();
    }

    static ValidatableResponse run(String source, Object input) {
        Map<String, Object> body = new HashMap<>();
        body.put("source", source);
        body.put("input", input);
        return run(body).statusCode(200).contentType(ContentType.JSON);
    }

    static ValidatableResponse failsWith(String source, String type) {
        return run(source, null).body("status", equalTo("failed"))
                .body("error.type", equalTo(type))
                .body("$", not(hasKey("output")));
    }

    @Test
    void reshapesInput() {
        run("return {id: input.body.id, twice: input.body.n * 2};", Map.of("body", Map.of("id", "p-1", "n", 21)))
                .body("status", equalTo("succeeded"))
                .body("output", equalTo(Map.of("id", "p-1", "twice", 42)))
                .body("logs", equalTo(List.of()))
                .body("logsTruncated", equalTo(false))
                .body("durationMs", greaterThanOrEqualTo(0))
                .body("resources.cpuTimeMs", greaterThanOrEqualTo(0))
                .body("resources.allocatedBytes", greaterThan(0))
                .body("$", not(hasKey("error")));
    }

    @Test
    void capturesConsoleOutputInOrder() {
        run("console.log('a', 1, {b: 2}); console.error('e'); console.info([1, 'x']); return undefined;", null)
                .body("status", equalTo("succeeded"))
                .body("$", hasKey("output"))
                .body("output", nullValue())
                .body("logs", equalTo(List.of("a 1 {\"b\":2}", "e", "[1,\"x\"]")))
                .body("logsTruncated", equalTo(false));
    }

    @Test
    void capsConsoleOutputAndFlagsTheRest() {
        Response r = run("for (let i = 0; i < 100; i++) console.log('x'.repeat(1024)); return 1;", null)
                .body("status", equalTo("succeeded"))
                .body("logsTruncated", equalTo(true))
                .extract().response();
        List<String> logs = r.jsonPath().getList("logs");
        int bytes = logs.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        assertTrue(bytes <= 65536, "captured " + bytes + " bytes");
        assertTrue(logs.size() >= 60 && logs.size() < 100, "kept " + logs.size() + " entries");
    }

    @Test
    void keepsConsoleOutputOfAFailedRun() {
        failsWith("console.log('before'); throw new TypeError('bad input');", "script_error")
                .body("error.message", equalTo("TypeError: bad input"))
                .body("logs", equalTo(List.of("before")));
    }

    @Test
    void reportsSyntaxErrorsRelativeToTheScript() {
        failsWith("const a = 1;\nreturn a +;", "script_error")
                .body("error.message", allOf(startsWith("SyntaxError"), containsString("line 2:"),
                        not(containsString("script.js")), not(containsString("\n"))));
    }

    @Test
    void reportsThrownValuesWithoutHostDetails() {
        failsWith("null.x", "script_error")
                .body("error.message", allOf(startsWith("TypeError"), not(containsString("java")),
                        not(containsString("org.graalvm")), not(containsString("\tat "))));
        failsWith("throw 'plain string'", "script_error").body("error.message", equalTo("plain string"));
    }

    @Test
    void reportsHostileThrownObjectsWithoutRunningThem() {
        failsWith("throw {toString() { while (true) {} }};", "script_error").body("error.message", equalTo("Error"));
        failsWith("const e = new Error('x');"
                + " Object.defineProperty(e, 'message', {get() { while (true) {} }}); throw e;", "script_error")
                .body("error.message", equalTo("Error: x"));
    }

    @Test
    void truncatesLongErrorMessages() {
        failsWith("throw new Error('m'.repeat(5000))", "script_error")
                .body("error.message.length()", equalTo(500));
    }

    @Test
    void cancelsEndlessLoopsAndKeepsServing() {
        long start = System.nanoTime();
        run(Map.of("source", "while (true) {}", "timeoutMs", 300))
                .statusCode(200)
                .body("status", equalTo("failed"))
                .body("error.type", equalTo("timeout"))
                .body("error.message", containsString("300 ms"))
                .body("durationMs", allOf(greaterThanOrEqualTo(300), lessThan(1300)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 1300 + 700, "answered after " + tookMs + " ms");
        run("return 'still here';", null).body("status", equalTo("succeeded")).body("output", equalTo("still here"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "for (;;) { try { while (true) {} } catch (e) {} finally { continue; } }",
        "Promise.resolve().then(() => { while (true) {} }); return 1;",
        "return {get slow() { while (true) {} }};"
    })
    void cancelsWhatTheScriptTriesToHideFromTheWatchdog(String source) {
        run(Map.of("source", source, "timeoutMs", 300))
                .statusCode(200)
                .body("error.type", equalTo("timeout"))
                .body("durationMs", lessThan(1300));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Java.type('java.lang.System').exit(1)",
        "return Java.type('java.io.File');",
        "Polyglot.eval('js', '1')",
        "Polyglot.import('x')",
        "load('/etc/passwd')",
        "loadWithNewGlobal({script: '1', name: 'x'})",
        "print('x')",
        "printErr('x')",
        "quit()",
        "exit(1)",
        "Graal.versionJS",
        "java.lang.System.exit(1)",
        "Packages.java.lang.Runtime.getRuntime().exec('id')",
        "require('fs')",
        "process.exit(1)"
    })
    void deniedCapabilitiesAreReportedAsForbidden(String source) {
        failsWith(source, "forbidden").body("error.message", containsString("is not available in the sandbox"));
    }

    @Test
    void featureDetectionOfDeniedCapabilitiesStillWorks() {
        run("return [typeof require, typeof process, typeof Java, typeof setTimeout];", null)
                .body("status", equalTo("succeeded"))
                .body("output", equalTo(List.of("undefined", "undefined", "undefined", "undefined")));
    }

    @Test
    void reportsUndefinedNamesOfTheScriptItselfAsScriptErrors() {
        failsWith("return notDeclaredAnywhere + 1;", "script_error")
                .body("error.message", equalTo("ReferenceError: notDeclaredAnywhere is not defined"));
    }

    @Test
    void exposesNoOutsideReachingGlobals() {
        String names = "['Java', 'Polyglot', 'Graal', 'load', 'loadWithNewGlobal', 'print', 'printErr', 'quit',"
                + " 'exit', 'java', 'javax', 'Packages', 'require', 'process', 'setTimeout', 'fetch', 'XMLHttpRequest',"
                + " 'Debug', 'performance', 'global', 'WebAssembly', 'Worker']";
        run("const found = {}; for (const n of " + names + ") { if (typeof globalThis[n] !== 'undefined') found[n] = "
                + "typeof globalThis[n]; } return found;", null)
                .body("status", equalTo("succeeded"))
                .body("output", equalTo(Map.of()));
    }

    @Test
    void startsEveryRunWithFreshGlobals() {
        run("globalThis.leak = 1; Object.prototype.polluted = 'yes'; Array.prototype.map = null; JSON.parse = null;"
                + " return typeof ({}).polluted;", null)
                .body("output", equalTo("string"));
        run("return {leak: typeof leak, polluted: typeof ({}).polluted, map: typeof [].map, echo: input};",
                Map.of("k", "v"))
                .body("status", equalTo("succeeded"))
                .body("output", equalTo(Map.of("leak", "undefined", "polluted", "undefined", "map", "function",
                        "echo", Map.of("k", "v"))));
    }

    @Test
    void readsInputWithTheBuiltInParserEvenIfTheScriptReplacesIt() {
        run("JSON.parse = () => 'tampered'; return input;", List.of(1, "two", Map.of("three", 3)))
                .body("output", equalTo(List.of(1, "two", Map.of("three", 3))));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "return function () {};",
        "return {a: [1, () => 2]};",
        "return class A {};",
        "return Symbol('s');",
        "return {s: Symbol.iterator};",
        "const o = {}; o.self = o; return o;",
        "const a = [1]; a.push({back: a}); return a;"
    })
    void refusesValuesThatAreNotJson(String source) {
        failsWith(source, "script_error").body("error.message", startsWith("The output is not JSON-compatible: $"));
    }

    @Test
    void namesWhereTheOutputStopsBeingJson() {
        failsWith("return {list: [1, {f: () => 1}]};", "script_error")
                .body("error.message", equalTo("The output is not JSON-compatible: $.list[1].f is a function"));
    }

    @Test
    void hasNoBigInt() {
        failsWith("return 10n;", "script_error").body("error.message", startsWith("SyntaxError"));
        failsWith("return BigInt(10);", "forbidden");
    }

    @Test
    void rejectsAsyncScripts() {
        failsWith("return Promise.resolve(1);", "script_error")
                .body("error.message", equalTo("async scripts are not supported yet"));
    }

    @Test
    void mapsValuesTheWayJsonStringifyDoes() {
        run("const a = [1, , 3]; return {nan: NaN, inf: -Infinity, u: undefined, holes: a, negZero: -0,"
                + " date: new Date(0), bad: new Date(NaN), boxed: new String('s'), big: 1e21, frac: 0.5,"
                + " shared: [a, a], map: new Map([[1, 2]])};", null)
                .body("status", equalTo("succeeded"))
                .body("output.nan", nullValue())
                .body("output.inf", nullValue())
                .body("output", hasKey("u"))
                .body("output.holes", equalTo(java.util.Arrays.asList(1, null, 3)))
                .body("output.negZero", equalTo(0))
                .body("output.date", equalTo("1970-01-01T00:00:00.000Z"))
                .body("output.bad", nullValue())
                .body("output.boxed", equalTo("s"))
                .body("output.big", equalTo(1e21f))
                .body("output.frac", equalTo(0.5f))
                .body("output.shared.size()", equalTo(2))
                .body("output.map", equalTo(Map.of()));
    }

    @Test
    void refusesOutputsThatAreTooLarge() {
        failsWith("return 'x'.repeat(2 * 1024 * 1024);", "output_limit");
        failsWith("const a = []; a.length = 1e9; return a;", "output_limit");
        // shared references double at every level: 2^40 leaves if walked naively
        failsWith("let v = [1]; for (let i = 0; i < 40; i++) v = [v, v]; return v;", "output_limit");
        // within the running estimate, over the exact size: escapes make the JSON longer than the characters
        failsWith("return '\\u0001'.repeat(300000);", "output_limit");
    }

    @Test
    void refusesOutputsThatAreTooDeep() {
        failsWith("let v = 1; for (let i = 0; i < 100; i++) v = [v]; return v;", "output_limit")
                .body("error.message", containsString("64"));
        run("let v = 1; for (let i = 0; i < 63; i++) v = {v}; return v;", null).body("status", equalTo("succeeded"));
    }

    @Test
    void answers413ForOversizedRequests() {
        String big = "x".repeat(1024 * 1024 + 10);
        given().auth().oauth2(Tokens.workflowService())
                .contentType(ContentType.JSON)
                .body(Map.of("source", "return input.length;", "input", big))
                .when().post(PATH)
                .then().statusCode(413)
                .contentType("application/problem+json")
                .body("status", equalTo(413))
                .body("type", equalTo("https://medhook.io/problems/payload-too-large"))
                .body("detail", containsString("1048576"));
    }

    @Test
    void stopsScriptsThatHoldTooMuchMemoryAndKeepsServing() {
        run(Map.of("source", "const keep = []; for (;;) keep.push(new Float64Array(8192));",
                "memoryBytes", 32 * 1024 * 1024))
                .statusCode(200)
                .body("status", equalTo("failed"))
                .body("error.type", equalTo("memory_limit"))
                .body("error.message", equalTo("The script used more than 32 MiB of memory"))
                .body("resources.allocatedBytes", greaterThan(32 * 1024 * 1024));
        run("return 'still here';", null).body("output", equalTo("still here"));
    }

    @Test
    void letsRequestsOnlyLowerTheMemoryLimit() {
        run(Map.of("source", "return 1;", "memoryBytes", 0)).statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("memoryBytes"));
        // a request cannot raise the budget (ScriptRunnerTest checks the arithmetic): still stopped
        run(Map.of("source", "const keep = []; for (;;) keep.push(new Float64Array(8192));",
                "memoryBytes", Long.MAX_VALUE))
                .statusCode(200)
                .body("error.type", equalTo("memory_limit"));
    }

    @Test
    void acceptsLargeInputsWithinTheLimit() {
        String big = "y".repeat(900 * 1024);
        run("return input.length;", big).body("output", equalTo(big.length()));
    }

    @Test
    void rejectsMissingSource() {
        run(Map.of("input", 1)).statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://medhook.io/problems/bad-request"))
                .body("detail", containsString("source"));
        run(Map.of("source", "   ")).statusCode(400).contentType("application/problem+json");
    }

    @Test
    void rejectsOversizedSource() {
        run(Map.of("source", "//" + "x".repeat(256 * 1024))).statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("262144"));
    }

    @Test
    void rejectsMalformedJsonAndBadTimeouts() {
        run("{\"source\": \"return 1\",").statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("Request body is not valid JSON"));
        run(Map.of("source", "return 1", "timeoutMs", 0)).statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("timeoutMs"));
        run(Map.of("source", "return 1", "timeoutMs", "soon")).statusCode(400)
                .contentType("application/problem+json")
                .body("detail", equalTo("Field 'timeoutMs' has the wrong type or format"));
        run("[1, 2]").statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("The request body must be a JSON object"));
    }

    @Test
    void runsScriptsThatOnlyLog() {
        // a body without return yields undefined, which is null on the wire
        Response r = run("console.log(typeof input, input === null);", null).extract().response();
        assertEquals("succeeded", r.jsonPath().getString("status"));
        assertEquals(List.of("object true"), r.jsonPath().getList("logs"));
    }

    @Test
    void formatsWhatJsonCannotHoldWhenLogging() {
        run("const o = {}; o.o = o;"
                + " console.log(Symbol('s'), {toString() { throw new Error('no'); }}, o); return 1;", null)
                .body("status", equalTo("succeeded"))
                .body("logs", equalTo(List.of("Symbol(s) {} [object Object]")));
    }
}
