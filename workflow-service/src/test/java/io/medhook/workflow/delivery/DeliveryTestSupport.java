package io.medhook.workflow.delivery;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

/** REST helpers for webhook endpoint and delivery tests. */
final class DeliveryTestSupport {

    private DeliveryTestSupport() {
    }

    static String endpoints(String ws) {
        return "/api/v1/workspaces/" + ws + "/webhook-endpoints";
    }

    static Response createEndpoint(String ws, String token, Map<String, Object> body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post(endpoints(ws));
    }

    /** Creates an endpoint and returns its view (with the one-time secret). */
    static JsonPath endpoint(String ws, String token, Map<String, Object> body) {
        return createEndpoint(ws, token, body).then().statusCode(201).extract().jsonPath();
    }

    static JsonPath message(String ws, String token, String type, Object data) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("eventType", type, "data", data))
                .post("/api/v1/workspaces/" + ws + "/webhook-messages").then().statusCode(202).extract().jsonPath();
    }

    static JsonPath delivery(String ws, String token, String id) {
        return given().auth().oauth2(token).get("/api/v1/workspaces/" + ws + "/webhook-deliveries/" + id)
                .then().statusCode(200).extract().jsonPath();
    }

    /** Polls a delivery until the predicate holds (or fails after the timeout). */
    static JsonPath awaitDelivery(String ws, String token, String id, Predicate<JsonPath> done, Duration timeout)
            throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        JsonPath last = null;
        while (Instant.now().isBefore(end)) {
            last = delivery(ws, token, id);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("delivery did not reach the expected state: " + (last == null ? null
                : last.prettify()));
    }
}
