package io.medhook.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The usage report counts what really ran (auth-service asking workflow-service with a service token) and cannot
 * carry a workflow payload, name, credential or user identity: every leaf of the report is a count, a date or one of a
 * few fixed words, and none of the identifying strings of the run appears in it.
 */
@ExtendWith(Suite.Extension.class)
class UsageIT {

    private static final Set<String> KEYS = Set.of("license", "status", "plan", "limits", "expiresOn", "period",
            "from", "to", "totals", "workspaces", "workflows", "users", "periods", "start", "executions",
            "succeeded", "failed", "credits");
    private static final Set<String> WORDS = Set.of("none", "active", "expired", "day", "month");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    @Test
    void theReportCountsExecutionsAndCreditsAndCarriesNothingIdentifying(Suite suite) throws Exception {
        String admin = suite.login();
        String ws = given().auth().oauth2(admin).get(suite.url("auth-service") + "/api/v1/workspaces")
                .then().extract().path("items.find { it.kind == 'sandbox' }.id");
        String apiKey = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "usage-key", "role", "editor"))
                .post(suite.url("auth-service") + "/api/v1/workspaces/" + ws + "/api-keys")
                .then().statusCode(201).extract().path("key");

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        String url = suite.url("auth-service") + "/api/v1/usage?period=day&from=" + yesterday + "&to=" + today;
        JsonPath before = given().auth().oauth2(admin).get(url).then().statusCode(200).extract().jsonPath();
        String userName = "usage" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("username", userName, "password", "usage-Pass-00001"))
                .post(suite.url("auth-service") + "/api/v1/users").then().statusCode(201);

        String workflowName = "Discharge feed for Jane Roe MRN-7731";
        JsonPath wf = given().auth().oauth2(apiKey).contentType(ContentType.JSON)
                .body(Map.of("name", workflowName, "trigger", Map.of("type", "webhook"),
                        "nodes", List.of(Map.of("id", "n1", "type", "code",
                                "params", Map.of("source", "return {who: input.body.patient};")))))
                .post(suite.url("workflow-service") + "/api/v1/workspaces/" + ws + "/workflows")
                .then().statusCode(201).extract().jsonPath();
        List<String> executions = new ArrayList<>();
        for (String patient : List.of("Jane Roe 1970-01-01", "John Q Public 1980-02-02")) {
            executions.add(given().contentType(ContentType.JSON).body(Map.of("patient", patient))
                    .post(wf.getString("webhookUrl")).then().statusCode(202).extract().path("executionId"));
        }
        for (String id : executions) {
            suite.awaitExecution(admin, ws, id);
        }

        String body = given().auth().oauth2(admin).get(url).then().statusCode(200)
                .contentType(ContentType.JSON).extract().asString();
        JsonPath after = JsonPath.from(body);
        assertEquals(sum(before, "executions") + 2, sum(after, "executions"), body);
        // both finished (their outcome is the sandbox's business here; ContractIT checks that scripts succeed)
        assertEquals(sum(before, "succeeded") + sum(before, "failed") + 2, sum(after, "succeeded") + sum(after, "failed"),
                body);
        assertEquals(sum(before, "credits") + 2, sum(after, "credits"), "one credit per node run: " + body);
        assertEquals(before.getLong("totals.workflows") + 1, after.getLong("totals.workflows"), body);
        assertEquals(before.getLong("totals.users") + 1, after.getLong("totals.users"), body);
        assertEquals(2, after.getList("periods").size());

        String webhookToken = wf.getString("webhookUrl").substring(wf.getString("webhookUrl").lastIndexOf('/') + 1);
        for (String forbidden : List.of(workflowName, "MRN-7731", "Jane Roe", "John Q Public", "1970-01-01",
                userName, "admin", apiKey, apiKey.substring(0, 14), webhookToken, ws, wf.getString("id"),
                executions.get(0), executions.get(1))) {
            assertFalse(body.contains(forbidden), "the report must not carry '" + forbidden + "': " + body);
        }
        walk(new ObjectMapper().readTree(body), "$");
    }

    /** Every object key is a known counter name; every leaf a number, a date, a fixed word or null. */
    private static void walk(JsonNode n, String path) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                boolean limitName = path.endsWith(".limits");
                assertTrue(limitName || KEYS.contains(e.getKey()), "unexpected field " + path + "." + e.getKey());
                walk(e.getValue(), path + "." + e.getKey());
            }
        } else if (n.isArray()) {
            n.forEach(x -> walk(x, path + "[]"));
        } else if (n.isTextual()) {
            assertTrue(WORDS.contains(n.asText()) || DATE.matcher(n.asText()).matches()
                    || (path.equals("$.license.plan") && n.asText().matches("[a-z][a-z0-9-]{0,39}")),
                    "unexpected text at " + path + ": " + n.asText());
        } else {
            assertTrue(n.isNumber() || n.isNull(), "unexpected value at " + path);
        }
    }

    private static long sum(JsonPath report, String counter) {
        return report.getList("periods." + counter, Long.class).stream().mapToLong(Long::longValue).sum();
    }
}
