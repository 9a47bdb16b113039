package io.medhook.auth;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Base64;
import java.util.Map;

/** Helpers shared by auth-service tests. */
public final class AuthTestSupport {

    public static final String ADMIN_PASSWORD = "test-Admin-Pass-0001";

    private AuthTestSupport() {
    }

    public static String adminToken() {
        return given().contentType(ContentType.JSON)
                .body(Map.of("username", "admin", "password", ADMIN_PASSWORD))
                .post("/api/v1/auth/login")
                .then().statusCode(200)
                .extract().path("access_token");
    }

    /** The decoded JSON of a JWT segment (0 = header, 1 = claims). */
    public static String segment(String jwt, int i) {
        return new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]));
    }
}
