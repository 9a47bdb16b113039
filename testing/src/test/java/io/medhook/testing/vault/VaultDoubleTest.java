package io.medhook.testing.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks the double's answers against the shapes, status codes and examples of Vault 1.18's HTTP API documentation,
 * and that its cryptography is real (ciphertexts fail when altered, signatures verify with the JDK against the
 * published public key).
 */
class VaultDoubleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private VaultDouble vault;

    record Answer(int status, JsonNode body) {
    }

    @BeforeEach
    void start() {
        vault = VaultDouble.start();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private Answer call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vault.url() + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    private Answer root(String method, String path, String body) throws Exception {
        return call(method, path, vault.rootToken(), body);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesRequestsWithoutAValidToken() throws Exception {
        Answer none = call("GET", "secret/data/x", null, null);
        assertEquals(403, none.status());
        assertEquals("permission denied", none.body().get("errors").get(0).asText());
        assertEquals(403, call("GET", "secret/data/x", "hvs.unknown", null).status());
        Answer unknownRoute = root("GET", "nothing/here", null);
        assertEquals(404, unknownRoute.status());
        assertTrue(unknownRoute.body().get("errors").get(0).asText().contains("no handler for route"));
    }

    @Test
    void kvV2WritesReadsVersionsAndMetadataInVaultsShape() throws Exception {
        Answer w = root("POST", "secret/data/medhook/auth", "{\"data\":{\"client-secret\":\"s1\"}}");
        assertEquals(200, w.status());
        assertEquals(1, w.body().at("/data/version").asInt());
        assertEquals("", w.body().at("/data/deletion_time").asText());
        root("PUT", "secret/data/medhook/auth", "{\"options\":{\"cas\":1},\"data\":{\"client-secret\":\"s2\"}}");

        Answer r = root("GET", "secret/data/medhook/auth", null);
        assertEquals(200, r.status());
        assertEquals("s2", r.body().at("/data/data/client-secret").asText());
        assertEquals(2, r.body().at("/data/metadata/version").asInt());
        assertEquals("", r.body().get("lease_id").asText());
        assertEquals("s1", root("GET", "secret/data/medhook/auth?version=1", null).body().at("/data/data/client-secret")
                .asText());

        Answer cas = root("POST", "secret/data/medhook/auth", "{\"options\":{\"cas\":1},\"data\":{\"a\":\"b\"}}");
        assertEquals(400, cas.status());
        assertEquals("check-and-set parameter did not match the current version", cas.body().at("/errors/0").asText());

        Answer missing = root("GET", "secret/data/medhook/none", null);
        assertEquals(404, missing.status());
        assertEquals(0, missing.body().get("errors").size());

        Answer meta = root("GET", "secret/metadata/medhook/auth", null);
        assertEquals(2, meta.body().at("/data/current_version").asInt());
        assertTrue(meta.body().at("/data/versions").has("1"));
        Answer list = root("LIST", "secret/metadata/medhook", null);
        assertEquals("auth", list.body().at("/data/keys/0").asText());
        assertEquals(list.body().get("data"), root("GET", "secret/metadata/medhook?list=true", null).body().get("data"));

        assertEquals(204, root("DELETE", "secret/data/medhook/auth", null).status());
        assertEquals(404, root("GET", "secret/data/medhook/auth", null).status());
    }

    @Test
    void transitEncryptsWithRealAesGcmBoundToTheContextOfADerivedKey() throws Exception {
        Answer created = root("POST", "transit/keys/kek", "{\"type\":\"aes256-gcm96\",\"derived\":true}");
        assertEquals(200, created.status());
        assertEquals("aes256-gcm96", created.body().at("/data/type").asText());
        assertTrue(created.body().at("/data/derived").asBoolean());

        String plaintext = b64("data key bytes");
        Answer enc = root("POST", "transit/encrypt/kek",
                "{\"plaintext\":\"" + plaintext + "\",\"context\":\"" + b64("ws-1/cred-1") + "\"}");
        String ct = enc.body().at("/data/ciphertext").asText();
        assertTrue(ct.startsWith("vault:v1:"), ct);
        assertEquals(1, enc.body().at("/data/key_version").asInt());
        byte[] sealed = Base64.getDecoder().decode(ct.substring("vault:v1:".length()));
        assertEquals(12 + "data key bytes".length() + 16, sealed.length, "nonce + ciphertext + GCM tag");

        Answer dec = root("POST", "transit/decrypt/kek",
                "{\"ciphertext\":\"" + ct + "\",\"context\":\"" + b64("ws-1/cred-1") + "\"}");
        assertEquals(plaintext, dec.body().at("/data/plaintext").asText());

        Answer wrongContext = root("POST", "transit/decrypt/kek",
                "{\"ciphertext\":\"" + ct + "\",\"context\":\"" + b64("ws-2/cred-1") + "\"}");
        assertEquals(400, wrongContext.status());
        assertEquals("cipher: message authentication failed", wrongContext.body().at("/errors/0").asText());

        sealed[20] ^= 1;
        String tampered = "vault:v1:" + Base64.getEncoder().encodeToString(sealed);
        assertEquals(400, root("POST", "transit/decrypt/kek",
                "{\"ciphertext\":\"" + tampered + "\",\"context\":\"" + b64("ws-1/cred-1") + "\"}").status());

        Answer noContext = root("POST", "transit/encrypt/kek", "{\"plaintext\":\"" + plaintext + "\"}");
        assertEquals(400, noContext.status());
        assertTrue(noContext.body().at("/errors/0").asText().startsWith("missing 'context' for key derivation"));

        assertEquals(400, root("POST", "transit/decrypt/kek", "{\"ciphertext\":\"v1:abc\",\"context\":\"eA==\"}")
                .status());
    }

    @Test
    void nonDerivedKeysIgnoreTheContextAsVaultDoes() throws Exception {
        root("POST", "transit/keys/plain", "{}");
        String ct = root("POST", "transit/encrypt/plain", "{\"plaintext\":\"" + b64("x") + "\",\"context\":\""
                + b64("a") + "\"}").body().at("/data/ciphertext").asText();
        assertEquals(b64("x"), root("POST", "transit/decrypt/plain", "{\"ciphertext\":\"" + ct + "\",\"context\":\""
                + b64("b") + "\"}").body().at("/data/plaintext").asText());
    }

    @Test
    void rotationKeepsOldVersionsDecryptableAndRewrapMovesToTheNewest() throws Exception {
        root("POST", "transit/keys/kek", "{\"type\":\"aes256-gcm96\",\"derived\":true}");
        String ctx = b64("ctx");
        String v1 = root("POST", "transit/encrypt/kek", "{\"plaintext\":\"" + b64("k") + "\",\"context\":\"" + ctx
                + "\"}").body().at("/data/ciphertext").asText();
        Answer rotated = root("POST", "transit/keys/kek/rotate", null);
        assertEquals(2, rotated.body().at("/data/latest_version").asInt());
        assertTrue(rotated.body().at("/data/keys").has("2"));

        String v2 = root("POST", "transit/encrypt/kek", "{\"plaintext\":\"" + b64("k") + "\",\"context\":\"" + ctx
                + "\"}").body().at("/data/ciphertext").asText();
        assertTrue(v2.startsWith("vault:v2:"));
        assertEquals(b64("k"), root("POST", "transit/decrypt/kek", "{\"ciphertext\":\"" + v1 + "\",\"context\":\""
                + ctx + "\"}").body().at("/data/plaintext").asText());

        Answer rewrap = root("POST", "transit/rewrap/kek", "{\"ciphertext\":\"" + v1 + "\",\"context\":\"" + ctx
                + "\"}");
        String rewrapped = rewrap.body().at("/data/ciphertext").asText();
        assertTrue(rewrapped.startsWith("vault:v2:"));
        assertEquals(2, rewrap.body().at("/data/key_version").asInt());

        root("POST", "transit/keys/kek/config", "{\"min_decryption_version\":2}");
        Answer tooOld = root("POST", "transit/decrypt/kek", "{\"ciphertext\":\"" + v1 + "\",\"context\":\"" + ctx
                + "\"}");
        assertEquals(400, tooOld.status());
        assertEquals("ciphertext or signature version is disallowed by policy (too old)",
                tooOld.body().at("/errors/0").asText());
        assertEquals(b64("k"), root("POST", "transit/decrypt/kek", "{\"ciphertext\":\"" + rewrapped
                + "\",\"context\":\"" + ctx + "\"}").body().at("/data/plaintext").asText());
    }

    @Test
    void batchInputAnswersBatchResultsWithPerItemErrorsAnd400() throws Exception {
        root("POST", "transit/keys/kek", "{\"derived\":true}");
        Answer ok = root("POST", "transit/encrypt/kek", "{\"batch_input\":[{\"plaintext\":\"" + b64("a")
                + "\",\"context\":\"" + b64("c1") + "\"},{\"plaintext\":\"" + b64("b") + "\",\"context\":\""
                + b64("c2") + "\"}]}");
        assertEquals(200, ok.status());
        assertEquals(2, ok.body().at("/data/batch_results").size());
        String second = ok.body().at("/data/batch_results/1/ciphertext").asText();
        Answer mixed = root("POST", "transit/decrypt/kek", "{\"batch_input\":[{\"ciphertext\":\"" + second
                + "\",\"context\":\"" + b64("c2") + "\"},{\"ciphertext\":\"" + second + "\",\"context\":\""
                + b64("c1") + "\"}]}");
        assertEquals(400, mixed.status());
        assertEquals(b64("b"), mixed.body().at("/data/batch_results/0/plaintext").asText());
        assertEquals("cipher: message authentication failed", mixed.body().at("/data/batch_results/1/error").asText());
    }

    @Test
    void signsWithARealEcdsaKeyWhosePublicHalfVerifiesOutsideTheDouble() throws Exception {
        Answer key = root("POST", "transit/keys/checkpoints", "{\"type\":\"ecdsa-p256\"}");
        assertEquals("P-256", key.body().at("/data/keys/1/name").asText());
        assertFalse(key.body().at("/data/supports_encryption").asBoolean());
        String pem = key.body().at("/data/keys/1/public_key").asText();
        PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                .decode(pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""))));

        String input = b64("checkpoint 42 sha256:abcd");
        Answer signed = root("POST", "transit/sign/checkpoints", "{\"input\":\"" + input + "\"}");
        String sig = signed.body().at("/data/signature").asText();
        assertTrue(sig.startsWith("vault:v1:"));
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(pub);
        jdk.update("checkpoint 42 sha256:abcd".getBytes(StandardCharsets.UTF_8));
        assertTrue(jdk.verify(Base64.getDecoder().decode(sig.substring("vault:v1:".length()))));

        assertTrue(root("POST", "transit/verify/checkpoints", "{\"input\":\"" + input + "\",\"signature\":\"" + sig
                + "\"}").body().at("/data/valid").asBoolean());
        assertFalse(root("POST", "transit/verify/checkpoints/sha2-256", "{\"input\":\"" + b64("checkpoint 43")
                + "\",\"signature\":\"" + sig + "\"}").body().at("/data/valid").asBoolean());
        assertEquals(400, root("POST", "transit/encrypt/checkpoints", "{\"plaintext\":\"" + input + "\"}").status());
    }

    @Test
    void signsWithRsaPssAndPkcs1() throws Exception {
        root("POST", "transit/keys/jwt", "{\"type\":\"rsa-2048\"}");
        String input = b64("header.payload");
        for (String alg : List.of("pss", "pkcs1v15")) {
            String sig = root("POST", "transit/sign/jwt/sha2-256", "{\"input\":\"" + input
                    + "\",\"signature_algorithm\":\"" + alg + "\"}").body().at("/data/signature").asText();
            assertTrue(root("POST", "transit/verify/jwt/sha2-256", "{\"input\":\"" + input + "\",\"signature\":\"" + sig
                    + "\",\"signature_algorithm\":\"" + alg + "\"}").body().at("/data/valid").asBoolean(), alg);
        }
        String pem = root("GET", "transit/keys/jwt", null).body().at("/data/keys/1/public_key").asText();
        PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                .decode(pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""))));
        String sig = root("POST", "transit/sign/jwt/sha2-256", "{\"input\":\"" + input
                + "\",\"signature_algorithm\":\"pkcs1v15\"}").body().at("/data/signature").asText();
        Signature jdk = Signature.getInstance("SHA256withRSA");
        jdk.initVerify(pub);
        jdk.update("header.payload".getBytes(StandardCharsets.UTF_8));
        assertTrue(jdk.verify(Base64.getDecoder().decode(sig.substring("vault:v1:".length()))));
    }

    @Test
    void ed25519PublicKeysAreRawBase64AsVaultAnswersThemAndSignaturesArePlainEd25519() throws Exception {
        root("POST", "transit/keys/checkpoints", "{\"type\":\"ed25519\"}");
        String raw = root("GET", "transit/keys/checkpoints", null).body().at("/data/keys/1/public_key").asText();
        assertEquals(32, Base64.getDecoder().decode(raw).length);
        byte[] spki = new byte[44];
        System.arraycopy(java.util.HexFormat.of().parseHex("302a300506032b6570032100"), 0, spki, 0, 12);
        System.arraycopy(Base64.getDecoder().decode(raw), 0, spki, 12, 32);
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        String sig = root("POST", "transit/sign/checkpoints", "{\"input\":\"" + b64("seq 1") + "\"}").body()
                .at("/data/signature").asText();
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(pub);
        jdk.update("seq 1".getBytes(StandardCharsets.UTF_8));
        assertTrue(jdk.verify(Base64.getDecoder().decode(sig.substring("vault:v1:".length()))));
    }

    @Test
    void tokenLookupAndRenewSelf() throws Exception {
        String token = vault.createToken(List.of("medhook-workflow"), Duration.ofMinutes(5));
        Answer self = call("GET", "auth/token/lookup-self", token, null);
        assertEquals(200, self.status());
        assertEquals(token, self.body().at("/data/id").asText());
        assertEquals(List.of("default", "medhook-workflow"),
                JSON.convertValue(self.body().at("/data/policies"), List.class));
        assertTrue(self.body().at("/data/ttl").asInt() <= 300 && self.body().at("/data/ttl").asInt() > 290);
        Answer renewed = call("POST", "auth/token/renew-self", token, "{\"increment\":\"1h\"}");
        assertEquals(200, renewed.status());
        assertEquals(token, renewed.body().at("/auth/client_token").asText());
        assertTrue(renewed.body().at("/auth/lease_duration").asInt() > 3500);
        assertTrue(renewed.body().at("/auth/renewable").asBoolean());
        assertEquals(Set.of("default", "medhook-workflow"), vault.policiesOf(token));
    }

    @Test
    void kubernetesLoginGivesATokenWithTheRolesPolicies() throws Exception {
        vault.kubernetes().role("workflow-service", new VaultKubernetes.Role(Set.of("workflow-service"),
                Set.of("medhook"), List.of("medhook-workflow"), Duration.ofHours(1)));
        String jwt = vault.kubernetes().serviceAccountToken("medhook", "workflow-service");
        Answer login = call("POST", "auth/kubernetes/login", null, "{\"role\":\"workflow-service\",\"jwt\":\"" + jwt
                + "\"}");
        assertEquals(200, login.status());
        String token = login.body().at("/auth/client_token").asText();
        assertEquals(3600, login.body().at("/auth/lease_duration").asInt(), 2);
        assertEquals("workflow-service", login.body().at("/auth/metadata/service_account_name").asText());
        assertEquals(Set.of("default", "medhook-workflow"), vault.policiesOf(token));

        String otherSa = vault.kubernetes().serviceAccountToken("medhook", "audit-service");
        assertEquals(403, call("POST", "auth/kubernetes/login", null, "{\"role\":\"workflow-service\",\"jwt\":\""
                + otherSa + "\"}").status());
        String forged = jwt.substring(0, jwt.lastIndexOf('.') + 1) + "AAAA";
        assertEquals(403, call("POST", "auth/kubernetes/login", null, "{\"role\":\"workflow-service\",\"jwt\":\""
                + forged + "\"}").status());
        Answer unknown = call("POST", "auth/kubernetes/login", null, "{\"role\":\"nope\",\"jwt\":\"" + jwt + "\"}");
        assertEquals(400, unknown.status());
        assertEquals("invalid role name \"nope\"", unknown.body().at("/errors/0").asText());
    }

    @Test
    void databaseCredsAreARealPostgresLoginThatRevocationDrops() throws Exception {
        PgTarget pg = LocalPostgres.resolveForTests(System.getenv());
        vault.database().role("workflow", VaultDatabase.Role.postgres(pg.jdbcUrl("postgres"), pg.user(), pg.password(),
                List.of(), Duration.ofMinutes(10)));
        Answer creds = root("GET", "database/creds/workflow", null);
        assertEquals(200, creds.status());
        String lease = creds.body().get("lease_id").asText();
        assertTrue(lease.startsWith("database/creds/workflow/"));
        assertTrue(creds.body().get("renewable").asBoolean());
        assertEquals(600, creds.body().get("lease_duration").asInt());
        String user = creds.body().at("/data/username").asText();
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", creds.body().at("/data/password").asText());
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), p);
                ResultSet rs = c.createStatement().executeQuery("select current_user")) {
            rs.next();
            assertEquals(user, rs.getString(1));
        }
        Answer renewed = root("PUT", "sys/leases/renew", "{\"lease_id\":\"" + lease + "\",\"increment\":1200}");
        assertEquals(1200, renewed.body().get("lease_duration").asInt());
        assertEquals(204, root("PUT", "sys/leases/revoke", "{\"lease_id\":\"" + lease + "\"}").status());
        try (Connection admin = LocalPostgres.connect(pg, "postgres");
                ResultSet rs = admin.createStatement().executeQuery(
                        "select count(*) from pg_roles where rolname = '" + user + "'")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
        assertEquals(400, root("GET", "database/creds/unknown", null).status());
    }

    @Test
    void sealedVaultAnswers503AndUnreachableVaultRefusesConnections() throws Exception {
        vault.seal();
        Answer sealed = root("GET", "secret/data/x", null);
        assertEquals(503, sealed.status());
        assertEquals("Vault is sealed", sealed.body().at("/errors/0").asText());
        Answer health = call("GET", "sys/health", null, null);
        assertEquals(503, health.status());
        assertTrue(health.body().get("sealed").asBoolean());
        assertTrue(call("GET", "sys/seal-status", null, null).body().get("sealed").asBoolean());
        vault.unseal();
        assertEquals(200, call("GET", "sys/health", null, null).status());

        vault.unreachable();
        assertThrows(ConnectException.class, () -> call("GET", "sys/health", null, null));
        vault.reachable();
        assertEquals(200, call("GET", "sys/health", null, null).status());
    }

    @Test
    void registeredRoutesAndAnAclExtendTheDouble() throws Exception {
        vault.route("POST", "sys/policy/{name}", r -> VaultResponse.noContent());
        vault.route("GET", "sys/policy/{name}", r -> {
            var d = VaultResponse.object();
            d.put("name", r.param("name"));
            return VaultResponse.data(d);
        });
        assertEquals(204, root("PUT", "sys/policy/medhook-workflow", "{\"policy\":\"\"}").status());
        assertEquals("medhook-workflow", root("GET", "sys/policy/medhook-workflow", null).body().at("/data/name")
                .asText());
        assertEquals(405, root("DELETE", "sys/policy/medhook-workflow", null).status());

        String token = vault.createToken(List.of("reader"), Duration.ofMinutes(5));
        vault.kv().put("medhook/a", Map.of("k", "v"));
        vault.acl((policies, req) -> policies.contains("reader") && req.capability().equals("read")
                && req.path().equals("secret/data/medhook/a"));
        assertEquals(200, call("GET", "secret/data/medhook/a", token, null).status());
        assertEquals(403, call("POST", "secret/data/medhook/a", token, "{\"data\":{}}").status());
        assertEquals(200, root("GET", "secret/data/medhook/a", null).status(), "root bypasses the ACL");
        var last = vault.requests().get(vault.requests().size() - 2);
        assertEquals("secret/data/medhook/a", last.path());
        assertEquals(403, last.status());
        assertEquals(Set.of("default", "reader"), last.policies());
    }
}
