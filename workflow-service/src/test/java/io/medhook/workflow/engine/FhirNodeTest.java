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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.HttpReceiver;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** fhir nodes against real receivers (a FHIR server and a SMART token endpoint) on an allow-listed loopback address. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class FhirNodeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATIENT = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Doe\"}]}";
    private static HttpReceiver fhir;

    @BeforeAll
    static void servers() {
        fhir = HttpReceiver.start("127.0.0.2");
        fhir.respond(h -> new HttpReceiver.Reply(h.method().equals("POST") ? 201 : 200,
                Map.of("Content-Type", "application/fhir+json"), h.method().equals("GET") || h.body().isEmpty()
                        ? PATIENT : h.body()));
    }

    @AfterAll
    static void stop() {
        fhir.close();
    }

    private static HttpReceiver.Hit hit(String pathPrefix) {
        return fhir.hits().stream().filter(h -> h.path().startsWith(pathPrefix)).findFirst().orElseThrow();
    }

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

    private static String base(String ws) {
        return fhir.url("/" + ws + "/fhir/R4/");
    }

    @Test
    void readGetsTypeAndIdWithFhirJsonAndAnIdempotencyKey() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath ex = runOne(ws, t, params(base(ws), "read", "resourceType", "Patient", "id", "p1",
                "headers", Map.of("Accept", "text/html", "X-Request-Source", "medhook")), "{}");
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        HttpReceiver.Hit h = hit("/" + ws + "/");
        assertEquals("GET", h.method());
        assertEquals("/" + ws + "/fhir/R4/Patient/p1", h.path());
        assertEquals("application/fhir+json", h.header("Accept"), "the declared Accept is replaced");
        assertEquals("medhook", h.header("X-Request-Source"));
        assertEquals(ex.getString("id") + ":f", h.header("Idempotency-Key"));
        assertNull(h.header("Content-Type"));
        assertEquals(200, ex.getInt("steps[0].output.status"));
        assertEquals("Patient", ex.getString("steps[0].output.resource.resourceType"));
        assertEquals("Doe", ex.getString("steps[0].output.resource.name[0].family"));
    }

    @Test
    void searchSendsEncodedParametersAndRepeatsArrays() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        Map<String, Object> search = new LinkedHashMap<>();
        search.put("identifier", "http://hospital.example/mrn|4711");
        search.put("_count", 5);
        search.put("_include", List.of("Patient:organization", "Patient:general-practitioner"));
        JsonPath ex = runOne(ws, t, params(base(ws), "search", "resourceType", "Patient", "params", search), "{}");
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        HttpReceiver.Hit h = hit("/" + ws + "/");
        assertEquals("GET", h.method());
        String[] pathAndQuery = h.path().split("\\?", 2);
        assertEquals("/" + ws + "/fhir/R4/Patient", pathAndQuery[0]);
        // the stored definition (jsonb) does not keep the order of the parameter names; FHIR does not need it
        assertEquals(List.of("_count=5", "_include=Patient%3Ageneral-practitioner",
                "_include=Patient%3Aorganization", "identifier=http%3A%2F%2Fhospital.example%2Fmrn%7C4711"),
                java.util.Arrays.stream(pathAndQuery[1].split("&")).sorted().toList());
        assertEquals("application/fhir+json", h.header("Accept"));
    }

    @Test
    void createPostsTheResourceAtTheBodyPathWithIfNoneExist() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver server = HttpReceiver.start("127.0.0.2")) {
            server.respond(h -> new HttpReceiver.Reply(201, Map.of("Content-Type", "application/fhir+json",
                    "Location", server.url("/fhir/Patient/new-1/_history/1")), h.body()));
            JsonPath ex = runOne(ws, t, params(server.url("/fhir"), "create", "resourceType", "Patient",
                    "body", "body.patient", "ifNoneExist", "identifier=http://hospital.example/mrn|4711"),
                    "{\"patient\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Roe\"}]},\"other\":1}");
            assertEquals("succeeded", ex.getString("status"), ex.prettify());
            HttpReceiver.Hit h = server.hits().get(0);
            assertEquals("POST", h.method());
            assertEquals("/fhir/Patient", h.path());
            assertEquals("application/fhir+json", h.header("Content-Type"));
            assertEquals("application/fhir+json", h.header("Accept"));
            assertEquals("identifier=http://hospital.example/mrn|4711", h.header("If-None-Exist"));
            assertEquals(ex.getString("id") + ":f", h.header("Idempotency-Key"));
            JsonNode sent = JSON.readTree(h.body());
            assertEquals("Patient", sent.path("resourceType").asText());
            assertEquals("Roe", sent.path("name").path(0).path("family").asText());
            assertFalse(sent.has("other"), "only the resource at the body path is sent");
            assertEquals(201, ex.getInt("steps[0].output.status"));
            assertEquals("Roe", ex.getString("steps[0].output.resource.name[0].family"));
            assertTrue(ex.getString("steps[0].output.location").endsWith("/fhir/Patient/new-1/_history/1"));
        }
    }

    @Test
    void updatePutsTheInputToTypeAndId() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath ex = runOne(ws, t, params(base(ws), "update", "resourceType", "Patient", "id", "p1", "body", "body"),
                PATIENT);
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        HttpReceiver.Hit h = hit("/" + ws + "/");
        assertEquals("PUT", h.method());
        assertEquals("/" + ws + "/fhir/R4/Patient/p1", h.path());
        assertEquals("application/fhir+json", h.header("Content-Type"));
        assertEquals("p1", JSON.readTree(h.body()).path("id").asText());
        assertNull(h.header("If-None-Exist"));
    }

    @Test
    void transactionPostsTheBundleToTheBase() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + PATIENT
                + ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p1\"}}]}";
        JsonPath ex = runOne(ws, t, params(base(ws), "transaction", "body", "body"), bundle);
        assertEquals("succeeded", ex.getString("status"), ex.prettify());
        HttpReceiver.Hit h = hit("/" + ws + "/");
        assertEquals("POST", h.method());
        assertEquals("/" + ws + "/fhir/R4", h.path());
        assertEquals("application/fhir+json", h.header("Content-Type"));
        assertEquals("transaction", JSON.readTree(h.body()).path("type").asText());
    }

    @Test
    void aWriteWhoseInputIsNotTheResourceFailsWithoutSending() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath ex = runOne(ws, t, params(base(ws), "create", "resourceType", "Observation", "body", "body"),
                PATIENT);
        assertEquals("failed", ex.getString("status"));
        assertEquals("fhir_error", ex.getString("steps[0].error.type"));
        assertTrue(fhir.hits().stream().noneMatch(h -> h.path().startsWith("/" + ws + "/")));
    }

    @Test
    void anOperationOutcomeFailsTheStepWithCodesButNoDiagnostics() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String diagnostics = "Patient John Doe born 1970-01-01 MRN 4711 already exists " + UUID.randomUUID();
        try (HttpReceiver server = HttpReceiver.start("127.0.0.2")) {
            server.respond(h -> new HttpReceiver.Reply(422, Map.of("Content-Type", "application/fhir+json"),
                    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"business-rule\","
                            + "\"diagnostics\":\"" + diagnostics + "\",\"details\":{\"text\":\"" + diagnostics + "\"}},"
                            + "{\"severity\":\"warning\",\"code\":\"<b>" + diagnostics + "</b>\"}]}"));
            JsonPath ex = runOne(ws, t, params(server.url("/fhir"), "create", "resourceType", "Patient", "body",
                    "body"), PATIENT);
            assertEquals("failed", ex.getString("status"));
            assertEquals("fhir_error", ex.getString("steps[0].error.type"));
            String message = ex.getString("steps[0].error.message");
            assertTrue(message.contains("422"), message);
            assertTrue(message.contains("error/business-rule"), message);
            assertTrue(message.contains("warning/?"), "a code outside the value set is not echoed: " + message);
            assertFalse(ex.prettify().contains(diagnostics), "no diagnostics text in the execution view");
            assertFalse(ex.prettify().contains("John"));
        }
    }

    @Test
    void aSuccessfulAnswerThatIsAnErrorOperationOutcomeFailsToo() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver server = HttpReceiver.start("127.0.0.2")) {
            server.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/fhir+json"),
                    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"fatal\",\"code\":\"exception\","
                            + "\"diagnostics\":\"secret detail\"}]}"));
            JsonPath ex = runOne(ws, t, params(server.url("/fhir"), "read", "resourceType", "Patient", "id", "x"),
                    "{}");
            assertEquals("fhir_error", ex.getString("steps[0].error.type"));
            assertTrue(ex.getString("steps[0].error.message").contains("fatal/exception"));
            assertFalse(ex.prettify().contains("secret detail"));
        }
    }

    @Test
    void aFhirServerOnABlockedAddressIsEgressBlocked() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        JsonPath ex = runOne(ws, t, params("http://127.0.0.1:9/fhir", "read", "resourceType", "Patient", "id", "1"),
                "{}");
        assertEquals("egress_blocked", ex.getString("steps[0].error.type"));
    }

    @Test
    void bearerCredentialsAreAppliedLikeInHttpNodes() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String secret = "tok-" + UUID.randomUUID();
        String id = credential(ws, t, "bearer", Map.of("token", secret));
        JsonPath ex = runOne(ws, t, params(base(ws), "read", "resourceType", "Patient", "id", "p1",
                "credentialId", id), "{}");
        assertEquals("succeeded", ex.getString("status"));
        assertEquals("Bearer " + secret, hit("/" + ws + "/").header("Authorization"));
        assertFalse(ex.prettify().contains(secret));
    }

    // --- SMART Backend Services ---

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }

    private static String pem(KeyPair k) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(k.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static HttpReceiver tokenEndpoint(AtomicInteger issued) {
        HttpReceiver tokens = HttpReceiver.start("127.0.0.2");
        tokens.respond(h -> new HttpReceiver.Reply(200, Map.of("Content-Type", "application/json"),
                "{\"access_token\":\"smart-" + issued.incrementAndGet() + "\",\"token_type\":\"bearer\","
                        + "\"expires_in\":300,\"scope\":\"system/Patient.read\"}"));
        return tokens;
    }

    @Test
    void smartRs384SendsAVerifiableClientAssertionAndFetchesOneTokenForSeveralSteps() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        KeyPair keys = rsa();
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = tokenEndpoint(issued)) {
            String tokenUrl = tokens.url("/auth/token");
            String id = credential(ws, t, "smart_backend", Map.of("tokenUrl", tokenUrl, "clientId", "medhook-backend",
                    "privateKeyPem", pem(keys), "keyId", "key-2026", "algorithm", "RS384"));
            Map<String, Object> read = params(base(ws), "read", "resourceType", "Patient", "id", "p1",
                    "credentialId", id);
            JsonPath wf = create(ws, t, workflow(List.of(node("a", "fhir", read), node("b", "fhir", read),
                    node("c", "fhir", read)), List.of(edge("a", "b"), edge("b", "c"))));
            Instant before = Instant.now();
            for (int i = 0; i < 2; i++) {
                JsonPath ex = awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"));
                assertEquals("succeeded", ex.getString("status"), ex.prettify());
                assertFalse(ex.prettify().contains("smart-1"), "the token is not in the execution view");
            }
            assertEquals(1, tokens.hits().size(), "one token for six steps");
            HttpReceiver.Hit tokenHit = tokens.hits().get(0);
            assertEquals("POST", tokenHit.method());
            assertEquals("/auth/token", tokenHit.path());
            assertTrue(tokenHit.header("Content-Type").startsWith("application/x-www-form-urlencoded"));
            assertNull(tokenHit.header("Authorization"), "the assertion authenticates the client, not a secret");
            Map<String, String> f = form(tokenHit.body());
            assertEquals("client_credentials", f.get("grant_type"));
            assertEquals("system/Patient.read", f.get("scope"), "the default scope for a read");
            assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", f.get("client_assertion_type"));

            JwtConsumer consumer = new JwtConsumerBuilder()
                    .setVerificationKey(keys.getPublic())
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS384")
                    .setExpectedIssuer("medhook-backend")
                    .setExpectedSubject("medhook-backend")
                    .setExpectedAudience(tokenUrl)
                    .setRequireExpirationTime()
                    .setRequireJwtId()
                    .build();
            JwtContext ctx = consumer.process(f.get("client_assertion"));
            JwtClaims claims = ctx.getJwtClaims();
            assertEquals("RS384", ctx.getJoseObjects().get(0).getAlgorithmHeaderValue());
            assertEquals("key-2026", ctx.getJoseObjects().get(0).getKeyIdHeaderValue());
            long exp = claims.getExpirationTime().getValue();
            assertTrue(exp > before.getEpochSecond(), "exp in the future");
            assertTrue(exp <= before.getEpochSecond() + 300 + 5, "exp at most five minutes ahead");
            assertNotNull(UUID.fromString(claims.getJwtId()));

            List<HttpReceiver.Hit> calls = fhir.hits().stream().filter(h -> h.path().startsWith("/" + ws + "/"))
                    .toList();
            assertEquals(6, calls.size());
            calls.forEach(h -> assertEquals("Bearer smart-1", h.header("Authorization")));
        }
    }

    @Test
    void smartEs384WithoutKeyIdSignsWithTheEcKeyAndUsesTheNodesScope() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        KeyPair keys = ec();
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = tokenEndpoint(issued)) {
            String tokenUrl = tokens.url("/token");
            String id = credential(ws, t, "smart_backend", Map.of("tokenUrl", tokenUrl, "clientId", "ec-client",
                    "privateKeyPem", pem(keys), "algorithm", "ES384"));
            JsonPath ex = runOne(ws, t, params(base(ws), "create", "resourceType", "Patient", "body", "body",
                    "scope", "system/Patient.cruds", "credentialId", id), PATIENT);
            assertEquals("succeeded", ex.getString("status"), ex.prettify());
            Map<String, String> f = form(tokens.hits().get(0).body());
            assertEquals("system/Patient.cruds", f.get("scope"));
            JwtContext ctx = new JwtConsumerBuilder()
                    .setVerificationKey(keys.getPublic())
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "ES384")
                    .setExpectedIssuer("ec-client").setExpectedSubject("ec-client").setExpectedAudience(tokenUrl)
                    .setRequireExpirationTime().setRequireJwtId().build()
                    .process(f.get("client_assertion"));
            assertEquals("ES384", ctx.getJoseObjects().get(0).getAlgorithmHeaderValue());
            assertNull(ctx.getJoseObjects().get(0).getKeyIdHeaderValue());
            assertEquals("Bearer smart-1", hit("/" + ws + "/").header("Authorization"));
        }
    }

    @Test
    void smartAssertionsAreNotReused() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = tokenEndpoint(issued)) {
            String id = credential(ws, t, "smart_backend", Map.of("tokenUrl", tokens.url("/token"), "clientId", "c",
                    "privateKeyPem", pem(rsa()), "algorithm", "RS384"));
            // two scopes, two tokens, two assertions with different jti
            JsonPath wf = create(ws, t, workflow(List.of(
                    node("a", "fhir", params(base(ws), "read", "resourceType", "Patient", "id", "p1", "credentialId",
                            id)),
                    node("b", "fhir", params(base(ws), "search", "resourceType", "Observation", "credentialId",
                            id))), List.of(edge("a", "b"))));
            assertEquals("succeeded", awaitTerminal(ws, t, trigger(wf.getString("webhookUrl"), "{}"))
                    .getString("status"));
            assertEquals(2, tokens.hits().size());
            List<String> scopes = tokens.hits().stream().map(h -> form(h.body()).get("scope")).toList();
            assertEquals(List.of("system/Patient.read", "system/Observation.read"), scopes);
            String a = form(tokens.hits().get(0).body()).get("client_assertion");
            String b = form(tokens.hits().get(1).body()).get("client_assertion");
            JwtConsumer noCheck = new JwtConsumerBuilder().setSkipSignatureVerification().setSkipAllValidators()
                    .build();
            assertFalse(noCheck.processToClaims(a).getJwtId().equals(noCheck.processToClaims(b).getJwtId()));
        }
    }

    @Test
    void smartRetriesOnceWithAFreshTokenAfterA401() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        AtomicInteger issued = new AtomicInteger();
        try (HttpReceiver tokens = tokenEndpoint(issued); HttpReceiver server = HttpReceiver.start("127.0.0.2")) {
            server.respond(h -> "Bearer smart-1".equals(h.header("Authorization"))
                    ? new HttpReceiver.Reply(401, Map.of(), "") : new HttpReceiver.Reply(200,
                            Map.of("Content-Type", "application/fhir+json"), PATIENT));
            String id = credential(ws, t, "smart_backend", Map.of("tokenUrl", tokens.url("/token"), "clientId", "c",
                    "privateKeyPem", pem(rsa()), "algorithm", "RS384"));
            JsonPath ex = runOne(ws, t, params(server.url("/fhir"), "read", "resourceType", "Patient", "id", "p1",
                    "credentialId", id), "{}");
            assertEquals("succeeded", ex.getString("status"), ex.prettify());
            assertEquals(2, tokens.hits().size());
            assertEquals(List.of("Bearer smart-1", "Bearer smart-2"),
                    server.hits().stream().map(h -> h.header("Authorization")).toList());
            assertEquals(server.hits().get(0).header("Idempotency-Key"), server.hits().get(1).header("Idempotency-Key"));
        }
    }

    @Test
    void aSmartTokenEndpointThatRefusesFailsWithAuthError() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        try (HttpReceiver tokens = HttpReceiver.start("127.0.0.2")) {
            tokens.respond(h -> new HttpReceiver.Reply(400, Map.of("Content-Type", "application/json"),
                    "{\"error\":\"invalid_client\",\"error_description\":\"unknown kid\"}"));
            String id = credential(ws, t, "smart_backend", Map.of("tokenUrl", tokens.url("/token"), "clientId", "c",
                    "privateKeyPem", pem(ec()), "algorithm", "ES384"));
            JsonPath ex = runOne(ws, t, params(base(ws), "read", "resourceType", "Patient", "id", "p1",
                    "credentialId", id), "{}");
            assertEquals("auth_error", ex.getString("steps[0].error.type"));
            assertFalse(ex.prettify().contains("unknown kid"));
            assertTrue(fhir.hits().stream().noneMatch(h -> h.path().startsWith("/" + ws + "/")));
        }
    }

    // --- validation ---

    private static List<Map<String, String>> invalid(String ws, String t, Map<String, Object> params) {
        return save(ws, t, workflow(List.of(node("fh", "fhir", params)), List.of()))
                .then().statusCode(422).contentType("application/problem+json")
                .extract().jsonPath().getList("errors");
    }

    private static void assertNames(List<Map<String, String>> errors, String field) {
        assertTrue(errors.stream().anyMatch(e -> "fh".equals(e.get("node")) && field.equals(e.get("field"))),
                field + " in " + errors);
    }

    @Test
    void invalidParametersAre422NamingNodeAndField() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String base = "https://fhir.example/r4";
        assertNames(invalid(ws, t, params(base, "history", "resourceType", "Patient", "id", "1")),
                "params.interaction");
        assertNames(invalid(ws, t, params(base, "read", "resourceType", "patient", "id", "1")),
                "params.resourceType");
        assertNames(invalid(ws, t, params(base, "read", "resourceType", "Patient/1", "id", "1")),
                "params.resourceType");
        assertNames(invalid(ws, t, params(base, "search")), "params.resourceType");
        assertNames(invalid(ws, t, params(base, "read", "resourceType", "Patient")), "params.id");
        assertNames(invalid(ws, t, params(base, "update", "resourceType", "Patient", "id", "../Observation/1")),
                "params.id");
        assertNames(invalid(ws, t, params("ftp://fhir.example/r4", "read", "resourceType", "Patient", "id", "1")),
                "params.baseUrl");
        Map<String, Object> noBase = params(base, "read", "resourceType", "Patient", "id", "1");
        noBase.remove("baseUrl");
        assertNames(invalid(ws, t, noBase), "params.baseUrl");
        assertNames(invalid(ws, t, params(base, "search", "resourceType", "Patient", "params",
                Map.of("name", Map.of("nested", 1)))), "params.params");
        assertNames(invalid(ws, t, params(base, "read", "resourceType", "Patient", "id", "1", "ifNoneExist", "x=1")),
                "params.ifNoneExist");
        assertNames(invalid(ws, t, params(base, "create", "resourceType", "Patient", "credentialId", "nope")),
                "params.credentialId");
        assertNames(invalid(ws, t, params(base, "create", "resourceType", "Patient", "query", "x")),
                "params.query");
    }

    @Test
    void credentialsMustBeUsableAndOfTheSameWorkspace() {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String other = newWorkspace();
        String foreign = credential(other, token(other, "editor"), "bearer", Map.of("token", "x"));
        String webhookSecret = credential(ws, t, "webhook_secret", Map.of("secret", "s"));
        for (String id : List.of(foreign, webhookSecret, UUID.randomUUID().toString())) {
            assertNames(invalid(ws, t, params("https://fhir.example/r4", "read", "resourceType", "Patient", "id", "1",
                    "credentialId", id)), "params.credentialId");
        }
    }

    @Test
    void aSmartCredentialIsUsableByFhirNodesButNotByHttpNodes() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String smart = credential(ws, t, "smart_backend", Map.of("tokenUrl", "https://auth.example/token",
                "clientId", "c", "privateKeyPem", pem(ec()), "algorithm", "ES384"));
        save(ws, t, workflow(List.of(node("fh", "fhir", params("https://fhir.example/r4", "read", "resourceType",
                "Patient", "id", "1", "credentialId", smart))), List.of())).then().statusCode(201);
        List<Map<String, String>> errors = save(ws, t, workflow(List.of(node("h", "http",
                NodeTestSupport.post("https://fhir.example/r4", smart))), List.of()))
                .then().statusCode(422).extract().jsonPath().getList("errors");
        assertEquals("params.credentialId", errors.get(0).get("field"));
    }
    @Test
    void theAuditEventShowsTheFhirServersOriginButNotItsIdsOrSearchValues() throws Exception {
        String ws = newWorkspace();
        String t = token(ws, "editor");
        String mrn = "mrn-" + UUID.randomUUID();
        String id = create(ws, t, workflow(List.of(node("fh", "fhir", params("https://ehr.hospital.example/fhir/R4",
                "search", "resourceType", "Patient", "params", Map.of("identifier", mrn),
                "headers", Map.of("X-Api-Key", "k-" + mrn)))), List.of())).getString("id");
        List<JsonNode> events = io.medhook.workflow.WorkflowTestSupport.auditEvents("workflow.create", "workflow", id);
        assertEquals(1, events.size());
        JsonNode n = events.get(0).path("change").path("after").path("nodes").get(0);
        assertEquals("fhir", n.path("type").asText());
        assertEquals("https://ehr.hospital.example", n.path("origin").asText());
        assertEquals("[phi]", n.path("url").asText());
        assertEquals("[secret]", n.path("headers").asText());
        assertFalse(events.get(0).toString().contains(mrn), "search values are not audited");
    }
}
