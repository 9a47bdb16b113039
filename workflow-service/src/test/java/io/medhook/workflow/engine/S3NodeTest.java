package io.medhook.workflow.engine;

import static io.medhook.workflow.WorkflowTestSupport.awaitTerminal;
import static io.medhook.workflow.WorkflowTestSupport.create;
import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.WorkflowTestSupport.trigger;
import static io.medhook.workflow.engine.NodeTestSupport.credential;
import static io.medhook.workflow.engine.NodeTestSupport.edge;
import static io.medhook.workflow.engine.NodeTestSupport.node;
import static io.medhook.workflow.engine.NodeTestSupport.save;
import static io.medhook.workflow.engine.NodeTestSupport.workflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.S3ProxyServer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * s3 nodes against a real S3-compatible server: s3proxy (filesystem blobstore, SigV4 authorization on) on 127.0.0.2,
 * which the test profile's egress allow-list admits. What the server stored is read back from its directory.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class S3NodeTest {

    private static S3ProxyServer s3;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start("127.0.0.2", "phi-exports", "other-bucket");
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    private static String aws(String ws, String t, String secret, String sessionToken) {
        Map<String, String> fields = new HashMap<>(Map.of("accessKeyId", s3.accessKeyId(), "secretAccessKey", secret,
                "region", "eu-central-1"));
        if (sessionToken != null) {
            fields.put("sessionToken", sessionToken);
        }
        return credential(ws, t, "aws", fields);
    }

    private static Map<String, Object> s3(String credentialId, Map<String, ?> more) {
        Map<String, Object> p = new HashMap<>(more);
        p.put("credentialId", credentialId);
        p.put("endpoint", s3.endpoint());
        p.putIfAbsent("bucket", "phi-exports");
        return p;
    }

    @Test
    void putsGetsListsAndDeletesObjectsSignedWithSigV4() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String cred = aws(ws, t, s3.secretAccessKey(), null);
        JsonPath wf = create(ws, t, workflow(List.of(
                node("put", "s3", s3(cred, Map.of("operation", "put", "key", "reports/{executionId}.json",
                        "body", "body"))),
                node("get", "s3", s3(cred, Map.of("operation", "get", "keyPath", "key"))),
                node("list", "s3", s3(cred, Map.of("operation", "list", "prefix", "reports/"))),
                node("delete", "s3", s3(cred, Map.of("operation", "delete", "keyPath", "keys.0.key")))),
                List.of(edge("put", "get"), edge("get", "list"), edge("list", "delete"))));
        String eid = trigger(wf.getString("webhookUrl"), "{\"patient\":{\"mrn\":\"4711\"},\"note\":\"ä ö\"}");
        JsonPath ex = awaitTerminal(ws, t, eid);
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        String key = "reports/" + eid + ".json";
        assertEquals(key, ex.getString("steps.find { it.nodeId == 'put' }.output.key"));
        assertEquals(200, ex.getInt("steps.find { it.nodeId == 'put' }.output.status"));
        assertEquals("4711", ex.getString("steps.find { it.nodeId == 'get' }.output.body.patient.mrn"));
        assertEquals("ä ö", ex.getString("steps.find { it.nodeId == 'get' }.output.body.note"));
        assertTrue(ex.getString("steps.find { it.nodeId == 'get' }.output.contentType").startsWith("application/json"));
        assertEquals(List.of(key), ex.getList("steps.find { it.nodeId == 'list' }.output.keys.key"));
        assertEquals(204, ex.getInt("steps.find { it.nodeId == 'delete' }.output.status"));
        assertFalse(Files.exists(s3.baseDir().resolve("phi-exports").resolve(key)), "the object was deleted");
    }

    @Test
    void theStoredObjectIsTheInputAndTextIsStoredRaw() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String cred = aws(ws, t, s3.secretAccessKey(), null);
        JsonPath wf = create(ws, t, workflow(List.of(node("fan", "parallel", Map.of("branches", List.of(
                Map.of("id", "json", "type", "s3", "params", s3(cred, Map.of("operation", "put",
                        "key", "in/{executionId}/whole.json", "body", "body"))),
                Map.of("id", "text", "type", "s3", "params", s3(cred, Map.of("operation", "put",
                        "keyPath", "body.name", "body", "body.hl7", "contentType", "x-application/hl7-v2+er7",
                        "bucket", "other-bucket"))))))), List.of()));
        String eid = trigger(wf.getString("webhookUrl"),
                "{\"name\":\"adt/a01 message.hl7\",\"hl7\":\"MSH|^~\\\\&|EPIC|\"}");
        JsonPath ex = awaitTerminal(ws, t, eid);
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        Path whole = s3.baseDir().resolve("phi-exports").resolve("in").resolve(eid).resolve("whole.json");
        assertEquals(Map.of("name", "adt/a01 message.hl7", "hl7", "MSH|^~\\&|EPIC|"),
                new ObjectMapper().readValue(Files.readAllBytes(whole), Map.class));
        assertEquals("MSH|^~\\&|EPIC|", Files.readString(s3.baseDir().resolve("other-bucket").resolve("adt")
                .resolve("a01 message.hl7")), "a key with a space, signed and stored as written");
    }

    @Test
    void aWrongSecretOrAMissingObjectFailsTheStepWithS3sCodeOnly() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String wrong = aws(ws, t, "Wrong" + s3.secretAccessKey().substring(5), null);
        JsonPath denied = awaitTerminal(ws, t, trigger(create(ws, t, workflow(List.of(node("put", "s3",
                s3(wrong, Map.of("operation", "put", "key", "x.json")))), List.of())).getString("webhookUrl"), "{}"));
        assertEquals("failed", denied.getString("status"));
        assertEquals("s3_error", denied.getString("steps[0].error.type"));
        assertEquals("S3 answered 403 SignatureDoesNotMatch", denied.getString("steps[0].error.message"));

        String cred = aws(ws, t, s3.secretAccessKey(), null);
        JsonPath missing = awaitTerminal(ws, t, trigger(create(ws, t, workflow(List.of(node("get", "s3",
                s3(cred, Map.of("operation", "get", "key", "no/such/object.json")))), List.of()))
                .getString("webhookUrl"), "{}"));
        assertEquals("s3_error", missing.getString("steps[0].error.type"));
        assertEquals("S3 answered 404 NoSuchKey", missing.getString("steps[0].error.message"));
    }

    @Test
    void aSessionTokenIsSentAndS3proxyRefusesIt() throws Exception {
        // s3proxy implements no STS session tokens: it answers 501 to a request carrying x-amz-security-token. That
        // the header reaches the server is all this server can show; whether AWS accepts it is not tested here.
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String cred = aws(ws, t, s3.secretAccessKey(), "session-" + java.util.UUID.randomUUID());
        JsonPath ex = awaitTerminal(ws, t, trigger(create(ws, t, workflow(List.of(node("put", "s3",
                s3(cred, Map.of("operation", "put", "key", "x.json")))), List.of())).getString("webhookUrl"), "{}"));
        assertEquals("S3 answered 501 NotImplemented", ex.getString("steps[0].error.message"));
    }

    @Test
    void anEndpointOutsideTheEgressAllowListIsBlocked() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String cred = aws(ws, t, s3.secretAccessKey(), null);
        Map<String, Object> p = s3(cred, Map.of("operation", "list"));
        p.put("endpoint", s3.endpoint().replace("127.0.0.2", "127.0.0.1"));
        JsonPath ex = awaitTerminal(ws, t, trigger(create(ws, t, workflow(List.of(node("list", "s3", p)),
                List.of())).getString("webhookUrl"), "{}"));
        assertEquals("failed", ex.getString("status"));
        assertEquals("egress_blocked", ex.getString("steps[0].error.type"));
        Map<String, Object> metadata = s3(cred, Map.of("operation", "list"));
        metadata.put("endpoint", "http://169.254.169.254");
        JsonPath meta = awaitTerminal(ws, t, trigger(create(ws, t, workflow(List.of(node("list", "s3", metadata)),
                List.of())).getString("webhookUrl"), "{}"));
        assertEquals("egress_blocked", meta.getString("steps[0].error.type"));
    }

    @Test
    void rejectsInvalidS3NodesAndCredentialsOfAnotherType() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String bearer = credential(ws, t, "bearer", Map.of("token", "t-1"));
        JsonPath bad = save(ws, t, workflow(List.of(node("s", "s3", Map.of("operation", "put", "bucket", "Bad_Bucket",
                "key", "a", "keyPath", "b", "prefix", "p/", "region", "mars"))), List.of()))
                .then().statusCode(422).extract().jsonPath();
        assertEquals(List.of("params.credentialId", "params.bucket", "params.key", "params.prefix", "params.region"),
                bad.getList("errors.field"));
        save(ws, t, workflow(List.of(node("s", "s3", Map.of("operation", "list", "bucket", "ok-bucket",
                "credentialId", bearer))), List.of()))
                .then().statusCode(422).body("errors[0].field", org.hamcrest.Matchers.equalTo("params.credentialId"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "a credential of type bearer cannot be used by a s3 node (usable: aws)"));
    }
}
