package io.medhook.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.medhook.testing.RbacMatrix.Caller;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The matrix runner itself: it must report a service that lets everyone in, and an operation it does not list. */
class RbacMatrixTest {

    private HttpServer server;
    private String url;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestURI().getPath().equals("/q/openapi")
                    ? "{\"paths\": {\"/a\": {\"get\": {}, \"post\": {}}, \"/b/{id}\": {\"delete\": {}}}}"
                            .getBytes(StandardCharsets.UTF_8)
                    : "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static Map<Caller, String> tokens() {
        Map<Caller, String> t = new EnumMap<>(Caller.class);
        for (Caller c : Caller.values()) {
            t.put(c, "token-" + c);
        }
        return t;
    }

    @Test
    void aServiceThatLetsEveryoneInViolatesTheMatrix() throws Exception {
        List<String> violations = RbacMatrix.run(url, List.of(
                RbacMatrix.workspace("GET", "/a", null, EnumSet.of(Caller.ADMIN))), tokens(), Map.of());
        // every caller but ADMIN should have been refused: 4 unauthenticated + 6 others
        assertEquals(Caller.values().length - 1, violations.size(), violations.toString());
        assertTrue(violations.contains("GET /a as NONE: expected 401, got 200"), violations.toString());
        assertTrue(violations.contains("GET /a as OTHER_WORKSPACE: expected 404, got 200"), violations.toString());
        assertTrue(violations.contains("GET /a as VIEWER: expected 403, got 200"), violations.toString());
    }

    @Test
    void operationsMissingFromTheMatrixAreReported() throws Exception {
        Set<String> missing = RbacMatrix.uncovered(url,
                List.of(RbacMatrix.instance("GET", "/a", null, EnumSet.of(Caller.OWNER))), Set.of("POST /a"));
        assertEquals(Set.of("DELETE /b/{id}"), missing);
    }

    @Test
    void tamperingChangesTheSignatureOnly() {
        String jwt = "aGVhZGVy.Y2xhaW1z.c2lnbmF0dXJlc2lnbmF0dXJl";
        String t = RbacMatrix.tamper(jwt);
        assertEquals(jwt.length(), t.length());
        assertEquals(jwt.substring(0, jwt.lastIndexOf('.')), t.substring(0, t.lastIndexOf('.')));
        assertTrue(!jwt.equals(t));
    }
}
