package io.medhook.workflow.engine;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Request bodies for node tests. */
final class NodeTestSupport {

    private NodeTestSupport() {
    }

    static Map<String, Object> node(String id, String type, Map<String, ?> params) {
        return Map.of("id", id, "type", type, "params", params);
    }

    static Map<String, Object> edge(String from, String to) {
        return Map.of("from", from, "to", to);
    }

    static Map<String, Object> edge(String from, String to, boolean when) {
        return Map.of("from", from, "to", to, "when", when);
    }

    static Map<String, Object> workflow(List<?> nodes, List<?> edges) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "wf-" + UUID.randomUUID());
        m.put("trigger", Map.of("type", "webhook"));
        m.put("nodes", nodes);
        m.put("edges", edges);
        return m;
    }

    static Map<String, Object> post(String url) {
        return Map.of("method", "POST", "url", url);
    }

    static Map<String, Object> post(String url, String credentialId) {
        return Map.of("method", "POST", "url", url, "credentialId", credentialId);
    }

    static Response save(String ws, String token, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .post("/api/v1/workspaces/" + ws + "/workflows");
    }

    static String credential(String ws, String token, String type, Map<String, String> fields) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", type + "-" + UUID.randomUUID(), "type", type, "fields", fields))
                .post("/api/v1/workspaces/" + ws + "/credentials")
                .then().statusCode(201).extract().path("id");
    }
}
