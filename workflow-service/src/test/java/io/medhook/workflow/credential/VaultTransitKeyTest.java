package io.medhook.workflow.credential;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.count;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.httpWorkflow;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.credential.CredentialTestSupport.body;
import static io.medhook.workflow.credential.CredentialTestSupport.post;
import static io.medhook.workflow.credential.CredentialTestSupport.secret;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.medhook.testing.vault.VaultDouble;
import io.medhook.testing.vault.VaultError;
import io.medhook.testing.vault.VaultTestResource;
import io.medhook.workflow.WorkflowTestSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * workflow-service with {@code medhook.secrets.provider=vault}: quarkus-vault logs in with Kubernetes auth and wraps
 * every data key with the Transit key {@code medhook-workflow}, against the {@link VaultDouble} (Vault's HTTP API, no
 * Vault server runs here). Rotation plus the re-wrap job, and fail-closed behaviour while Vault is away.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
@QuarkusTestResource(value = VaultTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "service", value = "workflow-service"),
        @ResourceArg(name = "transit-key", value = "medhook-workflow"),
        @ResourceArg(name = "kv-secrets", value = "service-clients/workflow-service"),
        @ResourceArg(name = "config.medhook.workflow.engine.lease", value = "2s") })
class VaultTransitKeyTest {

    private static final String KEY = "medhook-workflow";
    private static final String REWRAP = "/api/v1/admin/credential-keys/rewrap";

    VaultDouble vault;

    /** The management interface (quarkus.management.enabled): readiness lives there, not on the API port. */
    @io.quarkus.test.common.http.TestHTTPResource(value = "", management = true)
    java.net.URL management;

    @Inject
    CredentialVault credentials;

    @Test
    void credentialsAndPayloadsAreWrappedByTransitUnderTheServicesKubernetesLogin() throws Throwable {
        int version = vault.transit().latestVersion(KEY);
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals(
                "secret/data/medhook/service-clients/workflow-service") && r.status() == 200
                && r.policies().contains("medhook-workflow")), "the client secret for service tokens comes from KV");
        int mark = vault.requests().size();
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String value = secret("tok");
        String id = post(ws, editor, body("bearer", Map.of("token", value))).then().statusCode(201)
                .extract().path("id");
        assertTrue(wrapped("credential", id).startsWith("vault:v" + version + ":"), "wrapped by Transit");
        assertEquals(value, resolve(ws, id).value("token"));

        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, editor, httpWorkflow(receiver.url("/in")));
            String exec = trigger(wf.getString("webhookUrl"), "{\"patient\":\"p-1\"}");
            assertEquals("succeeded", awaitTerminal(ws, editor, exec).getString("status"));
            assertTrue(receiver.hits().get(0).body().contains("p-1"), "the engine decrypted the input");
            assertTrue(wrapped("execution", exec).startsWith("vault:v" + version + ":"));
            assertTrue(wrapped("workflow", wf.getString("id")).startsWith("vault:v" + version + ":"));
        }

        List<VaultDouble.Recorded> calls = vault.requests().subList(mark, vault.requests().size());
        assertTrue(calls.stream().anyMatch(r -> r.path().equals("transit/encrypt/" + KEY) && r.status() == 200
                && r.policies().contains("medhook-workflow")), "encrypt with the token of the Kubernetes login");
        assertTrue(calls.stream().anyMatch(r -> r.path().equals("transit/decrypt/" + KEY) && r.status() == 200));
        assertTrue(calls.stream().noneMatch(r -> r.policies().contains("root")), "never the root token");
    }

    @Test
    void rotationThenRewrapMovesEveryStoredDataKeyToTheNewVersionWhileOldDataStillDecrypts() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String oldValue = secret("old");
        String oldId = post(ws, editor, body("bearer", Map.of("token", oldValue))).then().statusCode(201)
                .extract().path("id");
        String exec;
        String workflowId;
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, editor, httpWorkflow(receiver.url("/in")));
            workflowId = wf.getString("id");
            exec = trigger(wf.getString("webhookUrl"), "{\"patient\":\"p-2\"}");
            awaitTerminal(ws, editor, exec);
        }
        int before = vault.transit().latestVersion(KEY);
        vault.transit().rotate(KEY);
        int after = before + 1;

        // old data still decrypts, new data uses the new version
        assertEquals(oldValue, resolve(ws, oldId).value("token"));
        String newValue = secret("new");
        String newId = post(ws, editor, body("bearer", Map.of("token", newValue))).then().statusCode(201)
                .extract().path("id");
        assertTrue(wrapped("credential", newId).startsWith("vault:v" + after + ":"));
        assertTrue(wrapped("execution", exec).startsWith("vault:v" + before + ":"));

        String owner = TestIssuer.current().user("owner-" + UUID.randomUUID(), Map.of(), "owner");
        JsonPath report = given().auth().oauth2(owner).post(REWRAP).then().statusCode(200).extract().jsonPath();
        assertEquals("vault:v" + after, report.getString("currentKey"));
        assertTrue(report.getInt("rewrapped") >= 1);
        assertTrue(report.getInt("executions.rewrapped") >= 1);
        assertTrue(report.getInt("workflows.rewrapped") >= 1);
        assertEquals(List.of(), report.getList("failed"));
        assertEquals(List.of(), report.getList("executions.failed"));
        assertEquals(List.of(), report.getList("workflows.failed"));
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals("transit/rewrap/" + KEY)),
                "re-wrapped inside Vault");
        for (String table : List.of("credential", "execution", "workflow")) {
            assertEquals(0, count("select count(*) from " + table + " where data_key_wrapped is not null"
                    + " and data_key_wrapped not like 'vault:v" + after + ":%'"), table + " rows left behind");
        }

        // retire the old version in Vault: everything still opens because it was re-wrapped
        HttpResponse<String> config = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(vault.url() + "/v1/transit/keys/" + KEY + "/config"))
                .header("X-Vault-Token", vault.rootToken())
                .POST(HttpRequest.BodyPublishers.ofString("{\"min_decryption_version\":" + after + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, config.statusCode());
        assertEquals(oldValue, resolve(ws, oldId).value("token"));
        assertEquals(newValue, resolve(ws, newId).value("token"));
        JsonPath view = given().auth().oauth2(editor).get("/api/v1/workspaces/" + ws + "/executions/" + exec)
                .then().statusCode(200).extract().jsonPath();
        assertEquals("succeeded", view.getString("status"));
        assertTrue(view.getString("steps[0].output").length() > 0, "payload still decrypts");
        assertTrue(count("select count(*) from workflow where id = '" + workflowId + "'") == 1);
    }

    @Test
    void vaultAwayFailsClosedWithProblemJsonRetriesWithBackoffAndReadinessSaysWhy() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        JsonPath wf;
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            wf = create(ws, editor, httpWorkflow(receiver.url("/in")));
        }
        String webhook = wf.getString("webhookUrl");
        String webhookPath = webhook.substring(webhook.indexOf("/api/v1/webhooks/"));
        given().get(management + "health/ready").then().statusCode(200);

        vault.unreachable();
        try {
            String value = secret("while-down");
            Response r = post(ws, editor, body("bearer", Map.of("token", value)));
            assertProblem(r, value);
            Response hook = given().contentType(ContentType.JSON).body("{\"patient\":\"p-3\"}").post(webhookPath);
            assertProblem(hook, "p-3");
            assertEquals(0, count("select count(*) from credential where workspace_id = '" + ws + "'"),
                    "nothing stored");
            assertEquals(0, count("select count(*) from execution where workspace_id = '" + ws + "'"),
                    "nothing stored");
            Response ready = given().get(management + "health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.asString().contains("Vault is unreachable"), ready.asString());
        } finally {
            vault.reachable();
        }
        given().get(management + "health/ready").then().statusCode(200);

        // Transit encrypt failing as a sealed Vault does: three attempts with back-off, then 503, nothing stored
        AtomicBoolean encryptDown = new AtomicBoolean(true);
        vault.route("POST", "transit/encrypt/{name}", r -> {
            if (encryptDown.get()) {
                throw new VaultError(503, "Vault is sealed");
            }
            return null;
        });
        try {
            int mark = vault.requests().size();
            Response r = post(ws, editor, body("bearer", Map.of("token", secret("sealed"))));
            assertProblem(r, null);
            long attempts = vault.requests().subList(mark, vault.requests().size()).stream()
                    .filter(c -> c.path().equals("transit/encrypt/" + KEY) && c.status() == 503).count();
            assertEquals(3, attempts, "retried with back-off (medhook.secrets.vault.retry-attempts), then failed closed");
        } finally {
            encryptDown.set(false);
        }
        vault.seal();
        try {
            Response ready = given().get(management + "health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.asString().contains("Vault is sealed"), ready.asString());
            assertProblem(post(ws, editor, body("bearer", Map.of("token", secret("sealed")))), null);
        } finally {
            vault.unseal();
        }
        given().get(management + "health/ready").then().statusCode(200);
        post(ws, editor, body("bearer", Map.of("token", secret("back")))).then().statusCode(201);
        assertEquals(1, count("select count(*) from credential where workspace_id = '" + ws + "'"));
    }

    @Test
    void anExecutionWhoseKeyCannotBeOpenedIsNeitherRunNorFailedAndResumesWhenVaultIsBack() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        AtomicBoolean decryptDown = new AtomicBoolean(false);
        // Transit decrypt answers as a sealed Vault while encrypt still works: the webhook stores the execution, the
        // engine cannot open it
        vault.route("POST", "transit/decrypt/{name}", r -> {
            if (decryptDown.get()) {
                throw new VaultError(503, "Vault is sealed");
            }
            return null;
        });
        try (HttpReceiver receiver = HttpReceiver.start("127.0.0.2")) {
            JsonPath wf = create(ws, editor, httpWorkflow(receiver.url("/in")));
            decryptDown.set(true);
            int mark = vault.requests().size();
            String exec = trigger(wf.getString("webhookUrl"), "{\"patient\":\"p-4\"}");
            Thread.sleep(4000);
            JsonPath during = given().auth().oauth2(token(ws, "viewer"))
                    .get("/api/v1/workspaces/" + ws + "/executions/" + exec).then().statusCode(200).extract().jsonPath();
            assertFalse(WorkflowTestSupport.TERMINAL.contains(during.getString("status")), during.prettify());
            assertEquals(0, receiver.hits().size(), "nothing ran without its key");
            long refused = vault.requests().subList(mark, vault.requests().size()).stream()
                    .filter(c -> c.path().equals("transit/decrypt/" + KEY) && c.status() == 503).count();
            assertTrue(refused >= 3, "tried with back-off, and again after the lease ran out: " + refused);

            decryptDown.set(false);
            assertEquals("succeeded", awaitTerminal(ws, editor, exec).getString("status"));
            assertEquals(1, receiver.hits().size());
            assertTrue(receiver.hits().get(0).body().contains("p-4"));
        } finally {
            decryptDown.set(false);
        }
    }

    private static void assertProblem(Response r, String mustNotContain) {
        assertEquals(503, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertTrue(r.jsonPath().getString("type").endsWith("/unavailable"));
        assertFalse(r.asString().contains("Exception"), r.asString());
        if (mustNotContain != null) {
            assertFalse(r.asString().contains(mustNotContain));
        }
    }

    private ResolvedCredential resolve(String ws, String id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> credentials.resolve(UUID.fromString(ws),
                UUID.fromString(id)));
    }

    private static String wrapped(String table, String id) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select data_key_wrapped from " + table + " where id = '" + UUID.fromString(id) + "'")) {
            assertTrue(rs.next(), table + " " + id);
            return rs.getString(1);
        }
    }
}
