package io.medhook.workflow.egress;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.testing.PostgresTestResource;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.medhook.workflow.WorkflowTestSupport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code GET/PUT /api/v1/admin/egress/allow-list}: instance owners only, validated, audited, applied everywhere. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(TestIssuerResource.class)
class EgressAllowListResourceTest {

    private static final String PATH = "/api/v1/admin/egress/allow-list";

    @Inject
    EgressClient egress;

    private String owner;

    @BeforeEach
    void owner() {
        owner = TestIssuer.current().user("owner-" + UUID.randomUUID(), Map.of(), "owner");
        clear();
    }

    @AfterEach
    void clear() {
        // the test database is shared: leave the stored allow-list empty
        given().auth().oauth2(owner).contentType(ContentType.JSON).body("{\"cidrs\": [], \"hosts\": []}").put(PATH)
                .then().statusCode(200);
    }

    @Test
    void showsTheEnvironmentEntriesAsReadOnly() {
        JsonPath v = given().auth().oauth2(owner).get(PATH).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(), v.getList("cidrs"));
        assertEquals(List.of(), v.getList("hosts"));
        assertEquals("MEDHOOK_EGRESS_ALLOWED_CIDRS", v.getString("environment.variable"));
        assertEquals(List.of("127.0.0.2/32"), v.getList("environment.cidrs"));
        assertTrue(v.getBoolean("environment.readOnly"));
        assertEquals(1, v.getInt("refreshSeconds"));
    }

    @Test
    void storesNormalisedEntriesAppliesThemAndAuditsBeforeAndAfter() throws Exception {
        JsonPath v = given().auth().oauth2(owner).contentType(ContentType.JSON).body("""
                {"cidrs": ["10.20.0.0/16", " 10.20.0.0/16", "192.168.7.0/24"],
                 "hosts": ["EHR.Hospital.Example.", "pacs.hospital.example"]}""").put(PATH)
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("10.20.0.0/16", "192.168.7.0/24"), v.getList("cidrs"));
        assertEquals(List.of("ehr.hospital.example", "pacs.hospital.example"), v.getList("hosts"));
        assertEquals(List.of("127.0.0.2/32"), v.getList("environment.cidrs"));
        assertEquals(v.getList("cidrs"), given().auth().oauth2(owner).get(PATH).then().statusCode(200)
                .extract().jsonPath().getList("cidrs"));

        EgressPolicy p = egress.policy();
        assertTrue(p.permits(InetAddress.getByName("10.20.3.4")));
        assertTrue(p.permits(InetAddress.getByName("127.0.0.2")), "the environment entry still applies");
        assertTrue(p.permits("ehr.hospital.example", InetAddress.getByName("10.99.0.1")));
        assertFalse(p.permits("other.example", InetAddress.getByName("10.99.0.1")));
        assertFalse(p.permits(InetAddress.getByName("127.0.0.1")));

        List<JsonNode> events = WorkflowTestSupport.auditEvents("egress.allow-list.update", "egress-allow-list",
                "installation");
        JsonNode last = events.get(events.size() - 1);
        assertEquals("success", last.get("outcome").asText());
        assertEquals("[]", last.at("/change/before/cidrs").toString());
        assertEquals("[\"10.20.0.0/16\",\"192.168.7.0/24\"]", last.at("/change/after/cidrs").toString());
        assertEquals("[\"ehr.hospital.example\",\"pacs.hospital.example\"]", last.at("/change/after/hosts").toString());
    }

    @Test
    void aChangeMadeByAnotherReplicaTakesEffectWithinTheRefresh() throws Exception {
        assertFalse(egress.policy().permits(InetAddress.getByName("10.77.0.1")));
        try (Connection c = PostgresTestResource.jdbc()) {
            c.createStatement().executeUpdate(
                    "update egress_allow_list set cidrs = '{10.77.0.0/16}', updated_at = now() where id = 1");
        }
        Instant end = Instant.now().plus(Duration.ofSeconds(10));
        while (!egress.policy().permits(InetAddress.getByName("10.77.0.1")) && Instant.now().isBefore(end)) {
            Thread.sleep(100);
        }
        assertTrue(egress.policy().permits(InetAddress.getByName("10.77.0.1")), "picked up by the periodic refresh");
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "cidrs|0.0.0.0/0|too broad",
            "cidrs|::/0|too broad",
            "cidrs|10.0.0.0/7|too broad",
            "cidrs|not-a-cidr|not a CIDR",
            "cidrs|10.0.0.0/33|not a CIDR",
            "cidrs|ehr.hospital.example/32|not a CIDR",
            "cidrs|10.1.2.3/8|network is 10.0.0.0/8",
            "cidrs|0.0.0.0/8|unspecified",
            "cidrs|169.254.0.0/16|cloud metadata",
            "cidrs|169.254.169.254|cloud metadata",
            "cidrs|127.0.0.0/8|loopback",
            "cidrs|::1/128|loopback",
            "cidrs|::ffff:0:0/96|embedded in IPv6",
            "cidrs|64:ff9b::/96|embedded in IPv6",
            "hosts|*.hospital.example|wildcard",
            "hosts|localhost|reserved",
            "hosts|a.localhost|reserved",
            "hosts|metadata.google.internal|reserved",
            "hosts|10.0.0.1|an address",
            "hosts|fd00::1|an address",
            "hosts|bad_host name|not valid",
            "hosts|2130706433|non-canonical"})
    void refusesBadEntriesWith422NamingTheEntry(String field, String entry, String reason) {
        String body = field.equals("cidrs")
                ? "{\"cidrs\": [\"10.20.0.0/16\", \"" + entry + "\"], \"hosts\": []}"
                : "{\"cidrs\": [], \"hosts\": [\"ok.example\", \"" + entry + "\"]}";
        JsonPath problem = given().auth().oauth2(owner).contentType(ContentType.JSON).body(body).put(PATH)
                .then().statusCode(422).contentType("application/problem+json").extract().jsonPath();
        assertEquals(field + "[1]", problem.getString("errors[0].field"));
        assertEquals(entry, problem.getString("errors[0].entry"));
        assertTrue(problem.getString("errors[0].message").contains(reason), problem.getString("errors[0].message"));
        assertTrue(problem.getString("detail").contains(entry), problem.getString("detail"));
        assertEquals(List.of(), given().auth().oauth2(owner).get(PATH).then().extract().jsonPath().getList("cidrs"),
                "nothing was stored");
    }

    @Test
    void onlyTheInstanceOwnerMayReadOrChangeIt() {
        String ws = WorkflowTestSupport.newWorkspace();
        String admin = WorkflowTestSupport.token(ws, "admin");
        given().auth().oauth2(admin).get(PATH).then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"cidrs\": [\"10.0.0.0/8\"]}").put(PATH)
                .then().statusCode(403);
        given().get(PATH).then().statusCode(401);
        given().contentType(ContentType.JSON).body("{\"cidrs\": [\"10.0.0.0/8\"]}").put(PATH).then().statusCode(401);
        assertFalse(egress.policy().permits(quietly("10.0.0.1")));
    }

    @Test
    void unknownFieldsAreABadRequest() {
        given().auth().oauth2(owner).contentType(ContentType.JSON).body("{\"cidr\": [\"10.0.0.0/8\"]}").put(PATH)
                .then().statusCode(400).contentType("application/problem+json");
    }

    private static InetAddress quietly(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
