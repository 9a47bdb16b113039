package io.medhook.auth.license;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Installing a license: only owners; only keys signed by a trusted key, not expired, with well-formed claims; only the
 * SHA-256 and the claims are stored; every install and refusal is audited without the key.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(LicenseKeyTestResource.class)
class LicenseResourceTest {

    private static Object body(String key) {
        return Map.of("key", key);
    }

    @Test
    void anOwnerInstallsALicenseAndOnlyItsHashAndClaimsAreStored() throws Exception {
        String owner = AuthTestSupport.adminToken();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Map<String, Object> claims = TestLicenses.claims("enterprise", now.minusSeconds(60), now.plus(365, ChronoUnit.DAYS));
        String key = TestLicenses.sign(TestLicenses.trustedKey(), claims);

        given().auth().oauth2(owner).contentType(ContentType.JSON).body(body(key)).put("/api/v1/license")
                .then().statusCode(200)
                .body("licenseId", equalTo(claims.get("lid"))).body("plan", equalTo("enterprise"))
                .body("licensee", equalTo("St. Example Hospital"))
                .body("limits.workflows", equalTo(500)).body("limits.executionsPerMonth", equalTo(1_000_000))
                .body("status", equalTo("active"))
                .body("expiresAt", equalTo(claims.get("expiresAt")))
                .body(not(containsString(key.substring(5, 40))));
        given().auth().oauth2(owner).get("/api/v1/license").then().statusCode(200)
                .body("licenseId", equalTo(claims.get("lid")));

        byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        String signature = key.substring(key.lastIndexOf('.') + 1);
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery(
                        "select * from license where license_id = '" + claims.get("lid") + "'")) {
            assertTrue(rs.next(), "the license is stored");
            assertEquals(HexFormat.of().formatHex(hash), HexFormat.of().formatHex(rs.getBytes("key_hash")));
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                String v = rs.getString(i);
                assertFalse(v != null && (v.contains(signature) || v.contains(key.substring(5, 40))),
                        "column " + md.getColumnName(i) + " holds no part of the key");
            }
        }
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery("select payload from audit_outbox "
                        + "where payload like '%\"license.install\"%' and payload like '%" + claims.get("lid") + "%'")) {
            assertTrue(rs.next(), "the install is audited");
            assertFalse(rs.getString(1).contains(signature), "the audit event holds no part of the key");
        }

        // installing the same key again changes nothing; a newer license replaces it
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(body(key)).put("/api/v1/license")
                .then().statusCode(200).body("licenseId", equalTo(claims.get("lid")));
        Map<String, Object> next = TestLicenses.claims("growth", now.minusSeconds(10), now.plus(30, ChronoUnit.DAYS));
        given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(body(TestLicenses.sign(TestLicenses.trustedKey(), next))).put("/api/v1/license")
                .then().statusCode(200).body("plan", equalTo("growth"));
        given().auth().oauth2(owner).get("/api/v1/license").then().statusCode(200)
                .body("licenseId", equalTo(next.get("lid")));
    }

    @Test
    void invalidLicensesAreRefusedClearlyAndChangeNothing() throws Exception {
        String owner = AuthTestSupport.adminToken();
        Instant now = Instant.now();
        String expired = TestLicenses.sign(TestLicenses.trustedKey(),
                TestLicenses.claims("enterprise", now.minus(400, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)));
        String untrusted = TestLicenses.sign(TestLicenses.untrustedKey(),
                TestLicenses.claims("enterprise", now.minusSeconds(60), now.plus(10, ChronoUnit.DAYS)));
        String good = TestLicenses.sign(TestLicenses.trustedKey(),
                TestLicenses.claims("enterprise", now.minusSeconds(60), now.plus(10, ChronoUnit.DAYS)));
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2)
                + (parts[1].endsWith("A") ? "BB" : "AA") + "." + parts[2];
        Map<String, Object> noPlan = TestLicenses.claims("x", now.minusSeconds(60), now.plus(10, ChronoUnit.DAYS));
        noPlan.remove("plan");
        String missingClaim = TestLicenses.sign(TestLicenses.trustedKey(), noPlan);

        int before = count("select count(*) from license");
        Map<String, String> cases = Map.of(expired, "expired", untrusted, "signature", tampered, "signature",
                missingClaim, "claims", "MHL1.garbage", "format", "mh_sk_live_notalicense", "format");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            given().auth().oauth2(owner).contentType(ContentType.JSON).body(body(c.getKey())).put("/api/v1/license")
                    .then().statusCode(422).contentType("application/problem+json")
                    .body("reason", equalTo(c.getValue()))
                    .body("detail", not(containsString(c.getKey().length() > 30 ? c.getKey().substring(5, 30) : "\u0000")))
                    .body(not(containsString("Exception")));
        }
        given().auth().oauth2(owner).contentType(ContentType.JSON).body("{}").put("/api/v1/license")
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(owner).contentType(ContentType.JSON).body("{\"key\": 7, \"x\": [").put("/api/v1/license")
                .then().statusCode(400).contentType("application/problem+json");
        assertEquals(before, count("select count(*) from license"), "a refused license stores nothing");
        assertTrue(count("select count(*) from audit_outbox where payload like '%\"license.install\"%' "
                + "and payload like '%\"failure\"%' and payload like '%\"expired\"%'") >= 1,
                "refusals are audited, with their reason");
    }

    @Test
    void onlyOwnersInstallOrReadTheLicense() {
        String owner = AuthTestSupport.adminToken();
        String username = "lic" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(owner).contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", "member-Pass-0001"))
                .post("/api/v1/users").then().statusCode(201);
        String member = given().contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", "member-Pass-0001"))
                .post("/api/v1/auth/login").then().statusCode(200).extract().path("access_token");

        given().contentType(ContentType.JSON).body(body("MHL1.a.b")).put("/api/v1/license").then().statusCode(401);
        given().get("/api/v1/license").then().statusCode(401);
        given().auth().oauth2(member).contentType(ContentType.JSON).body(body("MHL1.a.b")).put("/api/v1/license")
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(member).get("/api/v1/license").then().statusCode(403);
        given().auth().oauth2(member).get("/api/v1/usage").then().statusCode(403);
    }

    @Test
    void theUsageReportAnswersABadGatewayWhenWorkflowServiceIsDown() {
        // the test profile points the usage client at a closed port; the real report is covered end to end (e2e UsageIT)
        given().auth().oauth2(AuthTestSupport.adminToken()).get("/api/v1/usage").then().statusCode(502)
                .contentType("application/problem+json")
                .body("detail", equalTo("workflow-service did not answer"))
                .body(not(containsString("Exception")));
        given().get("/api/v1/usage").then().statusCode(401);
    }

    private static int count(String sql) throws Exception {
        try (Connection c = PostgresTestResource.jdbc(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
