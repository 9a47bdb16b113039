package io.medhook.audit.event;

import static io.medhook.audit.event.AuditFixtures.event;
import static io.medhook.audit.event.AuditFixtures.ingest;
import static io.medhook.audit.event.AuditFixtures.newWorkspace;
import static io.medhook.audit.event.AuditFixtures.ownerToken;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.testing.TestIssuerResource;
import io.medhook.testing.vault.VaultDouble;
import io.medhook.testing.vault.VaultTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * audit-service with {@code medhook.secrets.provider=vault}: checkpoints are signed by the Transit key
 * {@code medhook-audit-checkpoints} (ed25519) through quarkus-vault, against the {@link VaultDouble}; the private key
 * stays in Vault, signatures verify offline with the published key, also across a key rotation.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
@QuarkusTestResource(value = VaultTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "service", value = "audit-service"),
        @ResourceArg(name = "signing-key", value = "medhook-audit-checkpoints"),
        @ResourceArg(name = "kv-secrets", value = "service-clients/audit-service") })
class VaultCheckpointSigningTest {

    private static final String KEY = "medhook-audit-checkpoints";
    private static final ObjectMapper JSON = new ObjectMapper();

    VaultDouble vault;

    @Test
    void checkpointsAreSignedInsideVaultAndVerifyOfflineAcrossARotation() throws Exception {
        vault.clearRequests();
        String owner = ownerToken();
        Checkpoint first = checkpointAfterNewEvent(owner);
        String firstKey = publicKey(owner);
        assertTrue(CheckpointSigner.valid(first, firstKey));
        assertEquals(vaultPublicKey(1), firstKey, "the published key is the Transit key's");
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals("transit/sign/" + KEY)
                && r.status() == 200 && r.policies().contains("medhook-audit")), "signed by Transit");
        Path localKey = Path.of(ConfigProvider.getConfig().getValue("medhook.secrets.local-dir", String.class),
                CheckpointSigner.SECRET);
        assertFalse(Files.exists(localKey), "no local signing key is created");

        vault.transit().rotate(KEY);
        Checkpoint second = checkpointAfterNewEvent(owner);
        String secondKey = publicKey(owner);
        assertNotEquals(first.keyId(), second.keyId());
        assertEquals(vaultPublicKey(2), secondKey);
        assertTrue(CheckpointSigner.valid(second, secondKey));
        assertTrue(CheckpointSigner.valid(first, firstKey), "older checkpoints keep their key");
        assertFalse(CheckpointSigner.valid(first, secondKey));
        Checkpoint forged = new Checkpoint(second.seq(), "0".repeat(64), second.createdAt(), second.keyId(),
                second.signature());
        assertFalse(CheckpointSigner.valid(forged, secondKey));
        given().auth().oauth2(owner).get("/api/v1/audit/verify").then().statusCode(200);
    }

    private static Checkpoint checkpointAfterNewEvent(String owner) {
        ingest(List.of(event(newWorkspace(), "v.sign")));
        given().auth().oauth2(owner).queryParam("format", "ndjson").get("/api/v1/audit/export").then().statusCode(200);
        Map<String, Object> cp = given().auth().oauth2(owner).get("/api/v1/audit/checkpoints/latest")
                .then().statusCode(200).extract().jsonPath().getMap("");
        return new Checkpoint(((Number) cp.get("seq")).longValue(), (String) cp.get("hash"),
                (String) cp.get("createdAt"), (String) cp.get("keyId"), (String) cp.get("signature"));
    }

    private static String publicKey(String token) {
        return given().auth().oauth2(token).get("/api/v1/audit/checkpoints/public-key").then().statusCode(200)
                .extract().path("publicKey");
    }

    /** The key version's public key as Vault publishes it ({@code GET transit/keys/<name>}), as base64 X.509. */
    private String vaultPublicKey(int version) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(vault.url() + "/v1/transit/keys/" + KEY)).header("X-Vault-Token", vault.rootToken())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode key = JSON.readTree(r.body()).at("/data/keys/" + version + "/public_key");
        return Base64.getEncoder().encodeToString(CheckpointSigner.spki(key.asText()));
    }
}
