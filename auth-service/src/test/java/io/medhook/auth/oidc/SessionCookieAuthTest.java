package io.medhook.auth.oidc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The session cookie as a credential, with its double-submit CSRF check. Needs the change to medhook-common's
 * MedhookAuthMechanism described in the OIDC login hand-over (the mechanism reads {@code medhook_session} when there
 * is no Authorization header, and for methods other than GET/HEAD/OPTIONS requires {@code X-CSRF-Token} equal to the
 * {@code medhook_csrf} cookie).
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class SessionCookieAuthTest {

    private static final String CSRF = "0123456789abcdef0123456789abcdef0123456789a";

    @Test
    void sessionCookieAuthenticatesAGet() {
        given().cookie(SessionCookies.SESSION, AuthTestSupport.adminToken())
                .get("/api/v1/auth/me").then().statusCode(200).body("name", equalTo("admin"));
    }

    @Test
    void cookieCarriedPostWithoutCsrfHeaderIsRefused() {
        given().cookie(SessionCookies.SESSION, AuthTestSupport.adminToken()).cookie(SessionCookies.CSRF, CSRF)
                .post("/api/v1/auth/logout").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void cookieCarriedPostWithAWrongCsrfHeaderIsRefused() {
        given().cookie(SessionCookies.SESSION, AuthTestSupport.adminToken()).cookie(SessionCookies.CSRF, CSRF)
                .header(SessionCookies.CSRF_HEADER, CSRF.replace('0', '1'))
                .post("/api/v1/auth/logout").then().statusCode(401);
    }

    @Test
    void cookieCarriedPostWithTheMatchingCsrfHeaderIsAccepted() {
        given().cookie(SessionCookies.SESSION, AuthTestSupport.adminToken()).cookie(SessionCookies.CSRF, CSRF)
                .header(SessionCookies.CSRF_HEADER, CSRF)
                .post("/api/v1/auth/logout").then().statusCode(204);
    }

    @Test
    void bearerHeaderNeedsNoCsrfTokenAndWinsOverTheCookie() {
        given().auth().oauth2(AuthTestSupport.adminToken()).cookie(SessionCookies.SESSION, "garbage")
                .post("/api/v1/auth/logout").then().statusCode(204);
    }

    @Test
    void tamperedCookieIs401() {
        String t = AuthTestSupport.adminToken();
        given().cookie(SessionCookies.SESSION, t.substring(0, t.length() - 4) + "AAAA")
                .get("/api/v1/auth/me").then().statusCode(401);
    }
}
