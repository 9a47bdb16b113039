package io.medhook.auth.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.secrets.SecretsConfig;
import io.medhook.common.security.HttpServiceTokens;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class OAuthTokenResourceTest {

    @Inject
    SecretStore secrets;

    @Inject
    SecretsConfig secretsConfig;

    private String secret() {
        return secrets.getOrCreate(HttpServiceTokens.secretName("workflow-service"), HttpServiceTokens::newSecret);
    }

    @Test
    void issuesAShortLivedServiceTokenForAnAllowedAudience() {
        String token = given().auth().preemptive().basic("workflow-service", secret())
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-sandbox")
                .post("/oauth2/token")
                .then().statusCode(200)
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(300))
                .extract().path("access_token");
        JsonPath header = JsonPath.from(AuthTestSupport.segment(token, 0));
        assertEquals("RS256", header.getString("alg"));
        assertEquals("JWT", header.getString("typ"));
        assertTrue(header.getString("kid").length() > 0);
        JsonPath claims = JsonPath.from(AuthTestSupport.segment(token, 1));
        assertEquals("urn:medhook:auth", claims.getString("iss"));
        assertEquals("medhook-sandbox", claims.getString("aud"));
        assertEquals("service", claims.getString("mht"));
        assertEquals("workflow-service", claims.getString("sub"));
        assertEquals(300L, claims.getLong("exp") - claims.getLong("iat"));
    }

    @Test
    void acceptsFormClientAuthentication() {
        given().formParam("grant_type", "client_credentials").formParam("client_id", "workflow-service")
                .formParam("client_secret", secret()).formParam("resource", "medhook-audit")
                .post("/oauth2/token").then().statusCode(200);
    }

    @Test
    void wrongSecretIsInvalidClient() {
        given().auth().preemptive().basic("workflow-service", "wrong-secret")
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-sandbox")
                .post("/oauth2/token")
                .then().statusCode(401).contentType("application/problem+json")
                .body("error", equalTo("invalid_client"));
    }

    @Test
    void unknownClientIsInvalidClient() {
        given().auth().preemptive().basic("intruder", "x")
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-sandbox")
                .post("/oauth2/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void audienceOutsideTheClientsGrantIsInvalidTarget() {
        given().auth().preemptive().basic("workflow-service", secret())
                .formParam("grant_type", "client_credentials").formParam("audience", "medhook-api")
                .post("/oauth2/token")
                .then().statusCode(400).body("error", equalTo("invalid_target"));
    }

    @Test
    void otherGrantTypesAreUnsupported() {
        given().formParam("grant_type", "password").formParam("username", "admin")
                .post("/oauth2/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
    }

    @Test
    void missingGrantTypeIsInvalidRequest() {
        given().formParam("client_id", "workflow-service").post("/oauth2/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void aRotatedClientSecretReplacesTheOldOneWithinTheCacheTtl() throws Exception {
        // audit-service's client is used by no other test here, so rotating it disturbs none of them
        String client = "audit-service";
        String before = secrets.getOrCreate(HttpServiceTokens.secretName(client), HttpServiceTokens::newSecret);
        assertEquals(200, grant(client, before, "medhook-auth"));
        String after = HttpServiceTokens.newSecret();
        Files.writeString(Path.of(secretsConfig.localDir()).resolve(HttpServiceTokens.secretName(client)), after);
        long t0 = System.nanoTime();
        long deadline = t0 + ClientSecrets.TTL.plusSeconds(3).toNanos();
        while (grant(client, after, "medhook-auth") != 200) {
            assertTrue(System.nanoTime() < deadline, "the new secret is not accepted after the cache's TTL");
            Thread.sleep(200);
        }
        assertTrue(System.nanoTime() - t0 <= ClientSecrets.TTL.plusSeconds(1).toNanos());
        assertEquals(401, grant(client, before, "medhook-auth"), "the old secret stops working with the new one");
    }

    private static int grant(String client, String secret, String audience) {
        return given().auth().preemptive().basic(client, secret)
                .formParam("grant_type", "client_credentials").formParam("audience", audience)
                .post("/oauth2/token").then().extract().statusCode();
    }

    @Test
    void missingAudienceIsInvalidRequest() {
        given().auth().preemptive().basic("workflow-service", secret())
                .formParam("grant_type", "client_credentials")
                .post("/oauth2/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
