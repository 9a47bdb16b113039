package io.medhook.auth.oidc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.auth.AuthTestSupport;
import io.medhook.common.secrets.SecretStore;
import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OIDC login against a real Keycloak: the browser-style redirect flow (MedHook login start → Keycloak's authorize
 * endpoint → its login form → callback) walked with a plain HTTP client.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
// not restricted to this class: a second application start in one JVM hangs here (Prometheus meter clash on the
// HTTP server), so the module's tests share one application and Keycloak starts once per run
@QuarkusTestResource(KeycloakTestResource.class)
class OidcLoginResourceTest {

    private static final String JSON = "application/json";

    @Inject
    SecretStore secrets;

    @BeforeEach
    void clientSecretsAreInTheSecretsInterface() {
        for (String p : new String[] {"keycloak", "partner"}) {
            secrets.getOrCreate("oidc/" + p + "/client-secret",
                    () -> System.getProperty(KeycloakTestResource.SECRET_PREFIX + p));
        }
    }

    private static String app(String path) {
        return System.getProperty(KeycloakTestResource.APP_URL) + path;
    }

    /** Walks the flow up to the provider's redirect back to MedHook; returns the callback URL. */
    private static String toCallback(Browser b, String provider, String user, String password, String returnTo)
            throws Exception {
        HttpResponse<String> start = b.get(app("/api/v1/auth/oidc/" + provider + "/login"
                + (returnTo == null ? "" : "?return_to=" + java.net.URLEncoder.encode(returnTo, "UTF-8"))), null);
        assertEquals(302, start.statusCode(), start.body());
        String authorize = Browser.location(start);
        Map<String, String> q = Browser.query(authorize);
        assertTrue(authorize.startsWith(System.getProperty(KeycloakTestResource.KEYCLOAK_URL)
                + "/realms/medhook/protocol/openid-connect/auth"), authorize);
        assertEquals("code", q.get("response_type"));
        assertEquals("S256", q.get("code_challenge_method"));
        assertEquals(43, q.get("code_challenge").length());
        assertTrue(q.get("state").length() >= 43);
        assertNotNull(q.get("nonce"));
        assertTrue(q.get("scope").startsWith("openid"));
        assertEquals(app("/api/v1/auth/oidc/" + provider + "/callback"), q.get("redirect_uri"));

        HttpResponse<String> page = b.get(authorize, "text/html");
        assertEquals(200, page.statusCode(), "Keycloak shows its login page");
        HttpResponse<String> posted = b.postForm(Browser.loginFormAction(page.body()),
                Map.of("username", user, "password", password, "credentialId", ""));
        assertEquals(302, posted.statusCode(), "Keycloak redirects back after a good password");
        String callback = Browser.location(posted);
        assertTrue(callback.startsWith(q.get("redirect_uri") + "?"), callback);
        assertEquals(q.get("state"), Browser.query(callback).get("state"));
        return callback;
    }

    @Test
    void keycloakLoginEndsWithAMedhookTokenCookieAndLinkedUser() throws Exception {
        Browser b = new Browser();
        String callback = toCallback(b, "keycloak", "alice", "alice-Test-Pass-1", null);
        HttpResponse<String> done = b.get(callback, JSON);
        assertEquals(200, done.statusCode(), done.body());
        JsonPath body = JsonPath.from(done.body());
        String token = body.getString("access_token");
        assertEquals("Bearer", body.getString("token_type"));
        assertEquals(7200, body.getInt("expires_in"));
        assertEquals("no-store", done.headers().firstValue("cache-control").orElse(null));

        String session = b.setCookieHeader(SessionCookies.SESSION);
        assertNotNull(session, "session cookie set");
        assertTrue(session.startsWith(SessionCookies.SESSION + "=" + token + ";"), "the cookie carries the token");
        for (String attr : new String[] {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=7200"}) {
            assertTrue(session.contains("; " + attr), "session cookie has " + attr + ": " + session);
        }
        String csrf = b.setCookieHeader(SessionCookies.CSRF);
        assertNotNull(csrf);
        assertFalse(csrf.contains("HttpOnly"), "scripts read the CSRF token");
        assertTrue(csrf.contains("; Secure") && csrf.contains("; SameSite=Strict") && csrf.contains("; Path=/"));
        assertTrue(b.setCookieHeader(LoginFlowCookie.NAME).contains("Max-Age=0"), "flow cookie cleared");

        JsonPath claims = JsonPath.from(AuthTestSupport.segment(token, 1));
        assertEquals("urn:medhook:auth", claims.getString("iss"));
        assertEquals("medhook-api", claims.getString("aud"));
        assertEquals("user", claims.getString("mht"));
        assertEquals(7200L, claims.getLong("exp") - claims.getLong("iat"));
        assertNotNull(claims.getString("jti"));
        String userId = claims.getString("sub");

        given().auth().oauth2(token).get("/api/v1/auth/me").then().statusCode(200)
                .body("id", equalTo(userId))
                .body("kind", equalTo("user"))
                .body("name", equalTo("alice@example.com"));

        try (Connection c = PostgresTestResource.jdbc()) {
            assertEquals(1, count(c, "select count(*) from oidc_identity i join app_user u on u.id = i.user_id "
                    + "where u.id::text = ? and i.provider = 'keycloak' and u.password_hash is null "
                    + "and i.issuer like '%/realms/medhook'", userId));
            assertEquals(1, count(c, "select count(*) from login_session where id::text = ? and revoked_at is null",
                    claims.getString("sid")));
            assertEquals(1, count(c, "select count(*) from audit_outbox where payload like '%\"user.create\"%' "
                    + "and payload like ?", "%" + userId + "%"));
            assertEquals(1, count(c, "select count(*) from audit_outbox where payload like '%\"auth.login\"%' "
                    + "and payload like '%\"success\"%' and payload like ?", "%" + claims.getString("sid") + "%"));
        }

        // second login: the same identity finds the same user, no new one
        Browser again = new Browser();
        String token2 = JsonPath.from(again.get(toCallback(again, "keycloak", "alice", "alice-Test-Pass-1", null),
                JSON).body()).getString("access_token");
        JsonPath claims2 = JsonPath.from(AuthTestSupport.segment(token2, 1));
        assertEquals(userId, claims2.getString("sub"));
        assertFalse(claims.getString("sid").equals(claims2.getString("sid")), "a new session per login");
        try (Connection c = PostgresTestResource.jdbc()) {
            assertEquals(1, count(c, "select count(*) from app_user where username = ?", "alice@example.com"));
        }
    }

    @Test
    void browserGetsCookiesAndAPageThatMovesOnToALocalPathOnly() throws Exception {
        Browser b = new Browser();
        HttpResponse<String> done = b.get(toCallback(b, "keycloak", "alice", "alice-Test-Pass-1",
                "//evil.example.org/steal"), "text/html,application/xhtml+xml,*/*");
        assertEquals(200, done.statusCode());
        assertTrue(done.body().contains("content=\"0;url=/\""), "open redirect refused: " + done.body());
        assertNotNull(b.cookie(app("/"), SessionCookies.SESSION));
        assertNotNull(b.cookie(app("/"), SessionCookies.CSRF));
        assertEquals("no-referrer", done.headers().firstValue("referrer-policy").orElse(null));

        Browser local = new Browser();
        HttpResponse<String> page = local.get(toCallback(local, "keycloak", "alice", "alice-Test-Pass-1",
                "/workflows?tab=1"), "text/html");
        assertTrue(page.body().contains("content=\"0;url=/workflows?tab=1\""), page.body());
    }

    @Test
    void wrongStateIsA400ProblemAndAuditedWithoutSession() throws Exception {
        Browser b = new Browser();
        String callback = toCallback(b, "keycloak", "alice", "alice-Test-Pass-1", null);
        String state = Browser.query(callback).get("state");
        long sessions = sessions();
        HttpResponse<String> r = b.get(callback.replace("state=" + state, "state=not-" + state), JSON);
        assertEquals(400, r.statusCode());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""));
        assertEquals("The login state is missing, expired or does not match",
                JsonPath.from(r.body()).getString("detail"));
        assertEquals(sessions, sessions(), "no session opened");
        assertTrue(failures("The login state is missing") >= 1, "the failure is audited");

        // a callback without the flow cookie (another browser) is refused the same way
        Browser other = new Browser();
        assertEquals(400, other.get(callback, JSON).statusCode());
    }

    @Test
    void replayedOrUnknownCodeFailsWithoutASession() throws Exception {
        Browser b = new Browser();
        String callback = toCallback(b, "keycloak", "alice", "alice-Test-Pass-1", null);
        String flow = b.cookie(app("/"), LoginFlowCookie.NAME);
        assertEquals(200, b.get(callback, JSON).statusCode());
        long sessions = sessions();

        // replay with the very same flow cookie: the provider refuses the used code
        b.setCookie(app("/"), LoginFlowCookie.NAME, flow);
        HttpResponse<String> replay = b.get(callback, JSON);
        assertEquals(401, replay.statusCode(), replay.body());
        assertEquals("application/problem+json", replay.headers().firstValue("content-type").orElse(""));
        assertEquals(sessions, sessions());

        // an unknown code with a valid state
        Browser c = new Browser();
        String cb = toCallback(c, "keycloak", "alice", "alice-Test-Pass-1", null);
        String code = Browser.query(cb).get("code");
        HttpResponse<String> bogus = c.get(cb.replace("code=" + code, "code=bogus-" + code.length()), JSON);
        assertEquals(401, bogus.statusCode(), bogus.body());
        assertEquals(sessions, sessions());
        assertTrue(failures("The identity provider refused the login") >= 2);
    }

    @Test
    void identityWhoseProviderAndDomainAreNotAllowedIsForbiddenAndCreatesNoUser() throws Exception {
        Browser b = new Browser();
        HttpResponse<String> r = b.get(toCallback(b, "partner", "bob", "bob-Test-Pass-1", null), JSON);
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""));
        assertEquals(null, b.cookie(app("/"), SessionCookies.SESSION));
        try (Connection c = PostgresTestResource.jdbc()) {
            assertEquals(0, count(c, "select count(*) from app_user where username = ?", "bob@example.com"));
            assertEquals(0, count(c, "select count(*) from oidc_identity where email = ?", "bob@example.com"));
            assertEquals(1, count(c, "select count(*) from audit_outbox where payload like '%\"auth.login\"%' "
                    + "and payload like '%\"failure\"%' and payload like '%bob@example.com%' "
                    + "and payload like '%may not create one%'"));
        }
    }

    @Test
    void allowedEmailDomainCreatesTheUserThroughARestrictedProvider() throws Exception {
        Browser b = new Browser();
        HttpResponse<String> r = b.get(toCallback(b, "partner", "carol", "carol-Test-Pass-1", null), JSON);
        assertEquals(200, r.statusCode(), r.body());
        given().auth().oauth2(JsonPath.from(r.body()).getString("access_token")).get("/api/v1/auth/me")
                .then().statusCode(200).body("name", equalTo("carol@example.org"));
    }

    @Test
    void providersAreListedAsJsonAndOnTheLoginPage() {
        given().accept(JSON).get("/api/v1/auth/oidc/providers").then().statusCode(200)
                .body("items.id", hasItems("keycloak", "partner"))
                .body("items.find { it.id == 'keycloak' }.name", equalTo("Keycloak"))
                .body("items.find { it.id == 'keycloak' }.loginUrl", equalTo("/api/v1/auth/oidc/keycloak/login"));
        String html = given().accept("text/html").get("/api/v1/auth/oidc/login").then().statusCode(200)
                .extract().asString();
        assertTrue(html.contains("href=\"/api/v1/auth/oidc/partner/login\""));
        assertTrue(html.contains("Partner &lt;SSO&gt;"), "names are escaped");
    }

    @Test
    void unknownProviderIs404Problem() {
        given().redirects().follow(false).get("/api/v1/auth/oidc/nope/login").then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/api/v1/auth/oidc/nope/callback?code=x&state=y").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void providerErrorIsA401AndAudited() throws Exception {
        Browser b = new Browser();
        HttpResponse<String> start = b.get(app("/api/v1/auth/oidc/keycloak/login"), null);
        String state = Browser.query(Browser.location(start)).get("state");
        HttpResponse<String> r = b.get(app("/api/v1/auth/oidc/keycloak/callback?error=access_denied&state=" + state),
                JSON);
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(failures("The identity provider did not complete the login") >= 1);
    }

    private static long sessions() throws Exception {
        try (Connection c = PostgresTestResource.jdbc()) {
            return count(c, "select count(*) from login_session");
        }
    }

    private static long failures(String reason) throws Exception {
        try (Connection c = PostgresTestResource.jdbc()) {
            return count(c, "select count(*) from audit_outbox where payload like '%\"auth.login\"%' "
                    + "and payload like '%\"failure\"%' and payload like '%\"oidc\"%' and payload like ?",
                    "%" + reason + "%");
        }
    }

    private static long count(Connection c, String sql, String... params) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
