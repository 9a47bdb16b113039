package io.medhook.auth.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.auth.AuthTestSupport;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.security.HttpServiceTokens;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class OAuthTokenResourceTest {

    @Inject
    SecretStore secrets;

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
        JsonPath claims = JsonPath.from(AuthTestSupport.segment(token, 1));
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
    void missingAudienceIsInvalidRequest() {
        given().auth().preemptive().basic("workflow-service", secret())
                .formParam("grant_type", "client_credentials")
                .post("/oauth2/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
