package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** fhir patch (JSON Patch), delete and search paging through Bundle.link against a real HTTP receiver. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class FhirPatchDeletePagingTest {

    private static Map<String, Object> params(String base, String interaction, Object... more) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("baseUrl", base);
        m.put("interaction", interaction);
        for (int i = 0; i < more.length; i += 2) {
            m.put((String) more[i], more[i + 1]);
        }
        return m;
    }

    private static JsonPath runOne(String ws, String t, Map<String, Object> params, String body) throws Exception {
        JsonPath wf = create(ws, t, workflow(List.of(node("f", "fhir", params)), List.of()));
        return awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), body));
    }

    @Test
    void patchSendsTheJsonPatchAndDeleteDeletes() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> h.method().equals("DELETE") ? new HttpReceiver.Reply(204, Map.of(), "")
                    : new HttpReceiver.Reply(200, Map.of("Content-Type", "application/fhir+json"),
                            "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":false}"));
            String base = r.url("/fhir");
            JsonPath patched = runOne(ws, t, params(base, "patch", "resourceType", "Patient", "id", "p1",
                    "body", "body.ops"), "{\"ops\":[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]}");
            assertEquals("succeeded", patched.getString("status"), patched.prettify());
            HttpReceiver.Hit p = r.hits().get(0);
            assertEquals("PATCH", p.method());
            assertEquals("/fhir/Patient/p1", p.path());
            assertEquals("application/json-patch+json", p.header("Content-Type"));
            assertEquals("[{\"op\":\"replace\",\"path\":\"/active\",\"value\":false}]", p.body());
            assertEquals(false, patched.getBoolean("steps[0].output.resource.active"));

            JsonPath notAPatch = runOne(ws, t, params(base, "patch", "resourceType", "Patient", "id", "p1"), "{}");
            assertEquals("fhir_error", notAPatch.getString("steps[0].error.type"));
            assertEquals(1, r.hits().size(), "nothing is sent when the input is not a JSON Patch");

            JsonPath deleted = runOne(ws, t, params(base, "delete", "resourceType", "Patient", "id", "p1"), "{}");
            assertEquals("succeeded", deleted.getString("status"));
            assertEquals("DELETE", r.hits().get(1).method());
            assertEquals("/fhir/Patient/p1", r.hits().get(1).path());
            assertEquals(204, deleted.getInt("steps[0].output.status"));
        }
    }

    private static String bundle(String base, int page, boolean next) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":3,\"link\":["
                + "{\"relation\":\"self\",\"url\":\"" + base + "/Patient?page=" + page + "\"}"
                + (next ? ",{\"relation\":\"next\",\"url\":\"" + base + "?_getpages=abc&page=" + (page + 1) + "\"}" : "")
                + "],\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p" + page + "\"}}]}";
    }

    @Test
    void searchFollowsNextLinksUpToMaxPagesAndMergesTheEntries() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            String base = r.url("/fhir");
            r.respond(h -> {
                int page = h.path().contains("page=") ? Integer.parseInt(h.path().replaceAll(".*page=", "")) : 1;
                return new HttpReceiver.Reply(200, Map.of("Content-Type", "application/fhir+json"),
                        bundle(base, page, page < 3));
            });
            JsonPath all = runOne(ws, t, params(base, "search", "resourceType", "Patient",
                    "params", Map.of("family", "Doe"), "maxPages", 5), "{}");
            assertEquals("succeeded", all.getString("status"), all.prettify());
            assertEquals(List.of("/fhir/Patient?family=Doe", "/fhir?_getpages=abc&page=2", "/fhir?_getpages=abc&page=3"),
                    r.hits().stream().map(HttpReceiver.Hit::path).toList());
            assertEquals(List.of("p1", "p2", "p3"), all.getList("steps[0].output.resource.entry.resource.id"));
            assertEquals(3, all.getInt("steps[0].output.pages"));
            assertEquals(false, all.getBoolean("steps[0].output.more"));

            JsonPath two = runOne(ws, t, params(base, "search", "resourceType", "Patient", "maxPages", 2), "{}");
            assertEquals(List.of("p1", "p2"), two.getList("steps[0].output.resource.entry.resource.id"));
            assertEquals(true, two.getBoolean("steps[0].output.more"));
            assertEquals(5, r.hits().size());

            JsonPath one = runOne(ws, t, params(base, "search", "resourceType", "Patient"), "{}");
            assertEquals(List.of("p1"), one.getList("steps[0].output.resource.entry.resource.id"),
                    "without maxPages only the first page is read");
            assertEquals(6, r.hits().size());
        }
    }

    @Test
    void aNextLinkOutsideTheBaseUrlIsNotFollowed() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver r = HttpReceiver.start("127.0.0.2")) {
            r.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/fhir+json"),
                    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"next\",\"url\":\""
                            + r.url("/elsewhere/Patient?page=2") + "\"}],\"entry\":[]}"));
            JsonPath ex = runOne(ws, t, params(r.url("/fhir"), "search", "resourceType", "Patient", "maxPages", 3),
                    "{}");
            assertEquals("failed", ex.getString("status"));
            assertEquals("fhir_error", ex.getString("steps[0].error.type"));
            assertEquals("page 2: the Bundle's next link leads outside baseUrl", ex.getString("steps[0].error.message"));
            assertEquals(1, r.hits().size());
        }
    }

    @Test
    void rejectsParametersTheNewInteractionsDoNotTake() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath bad = save(ws, t, workflow(List.of(
                node("d", "fhir", params("https://ehr.example/fhir", "delete", "resourceType", "Patient")),
                node("p", "fhir", params("https://ehr.example/fhir", "patch", "resourceType", "Patient", "id", "p1",
                        "ifNoneExist", "identifier=x")),
                node("r", "fhir", params("https://ehr.example/fhir", "read", "resourceType", "Patient", "id", "p1",
                        "maxPages", 2)),
                node("s", "fhir", params("https://ehr.example/fhir", "search", "resourceType", "Patient",
                        "maxPages", 21))), List.of()))
                .then().statusCode(422).extract().jsonPath();
        List<String> where = bad.getList("errors.collect { it.node + ':' + it.field }");
        assertEquals(List.of("d:params.id", "p:params.ifNoneExist", "r:params.maxPages", "s:params.maxPages"), where);
        assertTrue(bad.getString("errors[0].message").contains("delete"));
    }
}
