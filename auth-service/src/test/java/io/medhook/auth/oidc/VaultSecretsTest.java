package io.medhook.auth.oidc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.vault.VaultDouble;
import io.medhook.testing.vault.VaultTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * auth-service with {@code medhook.secrets.provider=vault} against the {@link VaultDouble}: service-client secrets and
 * the OIDC client secret are read from KV v2 through quarkus-vault (Kubernetes auth), the JWT signing keys are wrapped
 * by the Transit key {@code medhook-auth}; a real Keycloak login completes with the client secret from Vault.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(KeycloakTestResource.class)
@QuarkusTestResource(value = VaultTestResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "service", value = "auth-service"),
        @ResourceArg(name = "transit-key", value = "medhook-auth"),
        @ResourceArg(name = "kv-secrets", value = "service-clients/workflow-service,service-clients/audit-service,"
                + "service-clients/auth-service,oidc/flow-key") })
class VaultSecretsTest {

    VaultDouble vault;

    @BeforeEach
    void bootstrapWroteTheOidcClientSecretsToKv() {
        for (String p : new String[] {"keycloak", "partner"}) {
            vault.kv().put("medhook/oidc/" + p + "/client-secret",
                    Map.of("value", System.getProperty(KeycloakTestResource.SECRET_PREFIX + p)));
        }
    }

    @Test
    void serviceClientSecretComesFromKvAndTokensAreSignedWithATransitWrappedKey() throws Exception {
        String secret = vault.kv().get("medhook/service-clients/workflow-service").orElseThrow().get("value");
        String token = given().auth().preemptive().basic("workflow-service", secret)
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-sandbox")
                .post("/oauth2/token").then().statusCode(200).extract().path("access_token");
        assertEquals("workflow-service", JsonPath.from(AuthTestSupport.segment(token, 1)).getString("sub"));
        given().auth().preemptive().basic("workflow-service", secret + "x")
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-sandbox")
                .post("/oauth2/token").then().statusCode(401);
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals(
                "secret/data/medhook/service-clients/workflow-service") && r.status() == 200
                && r.policies().contains("medhook-auth")), "read from KV with the service's Kubernetes login");

        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "select count(*), count(*) filter (where data_key_wrapped like 'vault:v%') from signing_key")) {
            rs.next();
            assertTrue(rs.getInt(1) > 0);
            assertEquals(rs.getInt(1), rs.getInt(2), "every signing key is wrapped by Transit");
        }
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals("transit/encrypt/medhook-auth")));
    }

    @Test
    void keycloakLoginUsesTheOidcClientSecretFromKv() throws Exception {
        Browser b = new Browser();
        String app = System.getProperty(KeycloakTestResource.APP_URL);
        HttpResponse<String> start = b.get(app + "/api/v1/auth/oidc/keycloak/login", null);
        assertEquals(302, start.statusCode(), start.body());
        HttpResponse<String> page = b.get(Browser.location(start), "text/html");
        HttpResponse<String> posted = b.postForm(Browser.loginFormAction(page.body()),
                Map.of("username", "alice", "password", "alice-Test-Pass-1", "credentialId", ""));
        assertEquals(302, posted.statusCode());
        HttpResponse<String> done = b.get(Browser.location(posted), "application/json");
        assertEquals(200, done.statusCode(), done.body());
        assertEquals("Bearer", JsonPath.from(done.body()).getString("token_type"));
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals(
                "secret/data/medhook/oidc/keycloak/client-secret") && r.status() == 200));
        assertTrue(vault.requests().stream().anyMatch(r -> r.path().equals("secret/data/medhook/oidc/flow-key")
                && r.status() == 200), "the login-flow cookie key too");
    }
}
