package io.medhook.workflow.credential;

import static io.medhook.workflow.WorkflowTestSupport.newWorkspace;
import static io.medhook.workflow.WorkflowTestSupport.token;
import static io.medhook.workflow.credential.CredentialTestSupport.body;
import static io.medhook.workflow.credential.CredentialTestSupport.post;
import static io.medhook.workflow.credential.CredentialTestSupport.put;
import static io.medhook.workflow.credential.CredentialTestSupport.secret;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.secrets.KeyEncryption;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What is stored: the credential table read directly holds no secret value and no data key in clear; ciphertexts and
 * wrapped keys are bound to their workspace and credential.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class CredentialStorageTest {

    @Inject
    CredentialVault vault;

    @Inject
    KeyEncryption kek;

    @Test
    void theDatabaseHoldsNoSecretValueAndNoDataKeyInClear() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String password = secret("pw");
        String clientSecret = secret("cs");
        String pem = CredentialTestSupport.rsaPem();
        String pemLine = pem.lines().skip(3).findFirst().orElseThrow();
        String basic = post(ws, editor, body("http_basic", Map.of("username", "svc-user", "password", password)))
                .then().statusCode(201).extract().path("id");
        String oauth = post(ws, editor, body("oauth2_client_credentials", Map.of("tokenUrl",
                "https://idp.example.org/token", "clientId", "client-1", "clientSecret", clientSecret)))
                .then().statusCode(201).extract().path("id");
        String smart = post(ws, editor, body("smart_backend", Map.of("tokenUrl", "https://ehr.example.org/t",
                "clientId", "bulk", "privateKeyPem", pem, "algorithm", "RS384"))).then().statusCode(201)
                .extract().path("id");
        String newPassword = secret("pw2");
        put(ws, editor, basic, Map.of("fields", Map.of("password", newPassword))).then().statusCode(200);

        // every column of every credential row as text, bytea as hex and as base64
        StringBuilder dump = new StringBuilder();
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select id, workspace_id, name, type, fields::text, secret_fields_set::text, secrets_enc,"
                        + " encode(secrets_enc, 'hex'), encode(secrets_enc, 'base64'), data_key_wrapped"
                        + " from credential")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (int i = 1; i <= 10; i++) {
                        Object v = i == 7 ? new String(rs.getBytes(i), StandardCharsets.ISO_8859_1) : rs.getString(i);
                        dump.append(v).append('\n');
                    }
                }
            }
        }
        String all = dump.toString();
        assertTrue(all.contains("svc-user"), "non-secret fields are stored in clear");
        assertTrue(all.contains("https://idp.example.org/token"));
        for (String s : List.of(password, newPassword, clientSecret, pemLine, "BEGIN PRIVATE KEY")) {
            assertFalse(all.contains(s), "a secret value is stored in clear");
        }
        // and the data keys: unwrapped here, then looked for as raw bytes, hex and base64
        for (String id : List.of(basic, oauth, smart)) {
            byte[] key = dataKey(ws, id);
            assertEquals(32, key.length);
            assertFalse(all.contains(new String(key, StandardCharsets.ISO_8859_1)));
            assertFalse(all.toLowerCase().contains(HexFormat.of().formatHex(key)));
            assertFalse(all.contains(Base64.getEncoder().encodeToString(key)));
        }
        // while the engine still gets the values
        ResolvedCredential r = resolve(ws, basic);
        assertEquals(CredentialType.HTTP_BASIC, r.type());
        assertEquals("svc-user", r.value("username"));
        assertEquals(newPassword, r.value("password"));
        assertFalse(r.toString().contains(newPassword), "toString shows names, not values");
        assertEquals(pem, resolve(ws, smart).value("privateKeyPem"));
    }

    @Test
    void aCiphertextCopiedToAnotherCredentialDoesNotDecrypt() throws Throwable {
        String ws = newWorkspace();
        String editor = token(ws, "editor");
        String a = post(ws, editor, body("bearer", Map.of("token", secret("a")))).then().statusCode(201)
                .extract().path("id");
        String b = post(ws, editor, body("bearer", Map.of("token", secret("b")))).then().statusCode(201)
                .extract().path("id");

        // only the ciphertext: b's data key does not open a's ciphertext, whose associated data names a anyway
        copy(a, b, "secrets_enc");
        assertUnreadable(ws, b);
        // ciphertext and wrapped key together: the key's wrapping context names a, so it does not unwrap for b
        copy(a, b, "data_key_wrapped");
        assertUnreadable(ws, b);
        // the API does not leak how: a problem with an error id, no class name, no stack trace
        put(ws, editor, b, Map.of("fields", Map.of("token", "new"))).then().statusCode(500)
                .contentType("application/problem+json")
                .body("detail", containsString("cannot be decrypted"))
                .body("errorId", notNullValue())
                .body(not(containsString("Exception")))
                .body(not(containsString("at io.")));
        // reads of metadata do not need the secrets, so they keep working
        io.restassured.RestAssured.given().auth().oauth2(editor).get(CredentialTestSupport.path(ws) + "/" + b)
                .then().statusCode(200).body("id", equalTo(b));
        assertEquals("bearer", resolve(ws, a).type().id());
    }

    @Test
    void aCredentialCopiedToAnotherWorkspaceDoesNotDecrypt() throws Throwable {
        String ws = newWorkspace();
        String other = newWorkspace();
        String id = post(ws, token(ws, "editor"), body("bearer", Map.of("token", secret("t")))).then()
                .statusCode(201).extract().path("id");
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "update credential set workspace_id = ? where id = ?")) {
            ps.setObject(1, UUID.fromString(other));
            ps.setObject(2, UUID.fromString(id));
            assertEquals(1, ps.executeUpdate());
        }
        assertUnreadable(other, id);
        MedhookException gone = assertThrows(MedhookException.class, () -> resolve(ws, id));
        assertEquals(ErrorKind.NOT_FOUND, gone.kind());
    }

    @Test
    void associatedDataBindsTheCiphertextToWorkspaceAndCredential() {
        byte[] key = io.medhook.common.secrets.Aead.newKey();
        UUID ws = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        byte[] sealed = CredentialCrypto.seal(key, ws, id, "{\"token\":\"t\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"token\":\"t\"}", new String(CredentialCrypto.unseal(key, ws, id, sealed),
                StandardCharsets.UTF_8));
        for (Runnable wrong : List.<Runnable>of(
                () -> CredentialCrypto.unseal(key, ws, UUID.randomUUID(), sealed),
                () -> CredentialCrypto.unseal(key, UUID.randomUUID(), id, sealed))) {
            MedhookException e = assertThrows(MedhookException.class, wrong::run);
            assertEquals(ErrorKind.INTERNAL, e.kind());
            assertTrue(e.getMessage().contains("cannot be decrypted"));
        }
    }

    private void assertUnreadable(String ws, String id) {
        MedhookException e = assertThrows(MedhookException.class, () -> resolve(ws, id));
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertEquals("Credential " + id + " cannot be decrypted: its stored secrets or wrapped data key do not belong"
                + " to it, were altered, or were wrapped by a key-encryption key that is no longer available",
                e.getMessage());
    }

    private ResolvedCredential resolve(String ws, String id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> vault.resolve(UUID.fromString(ws), UUID.fromString(id)));
    }

    private byte[] dataKey(String ws, String id) throws Exception {
        String wrapped;
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "select data_key_wrapped from credential where id = ?")) {
            ps.setObject(1, UUID.fromString(id));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                wrapped = rs.getString(1);
            }
        }
        return kek.unwrap(wrapped, CredentialCrypto.keyContext(UUID.fromString(ws), UUID.fromString(id)))
                .await().indefinitely();
    }

    private static void copy(String from, String to, String column) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); PreparedStatement ps = c.prepareStatement(
                "update credential set " + column + " = (select " + column + " from credential where id = ?)"
                        + " where id = ?")) {
            ps.setObject(1, UUID.fromString(from));
            ps.setObject(2, UUID.fromString(to));
            assertEquals(1, ps.executeUpdate());
        }
    }
}
