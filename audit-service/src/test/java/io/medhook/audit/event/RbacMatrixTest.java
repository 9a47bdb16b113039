package io.medhook.audit.event;

import static io.medhook.testing.RbacMatrix.Caller.ADMIN;
import static io.medhook.testing.RbacMatrix.Caller.AUDITOR;
import static io.medhook.testing.RbacMatrix.Caller.OTHER_WORKSPACE;
import static io.medhook.testing.RbacMatrix.Caller.OWNER;
import static io.medhook.testing.RbacMatrix.Caller.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.RbacMatrix;
import io.medhook.testing.RbacMatrix.Caller;
import io.medhook.testing.TestIssuer;
import io.medhook.testing.TestIssuerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

/**
 * Every protected endpoint of audit-service × every kind of caller (see {@link RbacMatrix}). Reading the whole log
 * is open to anyone who may read some of it (owner; admins and auditors see their workspaces, so an admin of another
 * workspace is let in and sees only that one); asking for one workspace is for its admins and auditors.
 */
@QuarkusTest
@QuarkusTestResource(AuditTestDatabase.class)
@QuarkusTestResource(TestIssuerResource.class)
class RbacMatrixTest {

    @TestHTTPResource("/")
    URL base;

    static List<RbacMatrix.Endpoint> endpoints(String ws) {
        Set<Caller> readers = EnumSet.of(OWNER, ADMIN, AUDITOR, OTHER_WORKSPACE);
        return List.of(
                RbacMatrix.instance("POST", AuditFixtures.BATCH,
                        () -> AuditFixtures.batch(List.of(AuditFixtures.event(ws, "matrix.test"))), EnumSet.of(SERVICE)),
                RbacMatrix.instance("GET", AuditFixtures.EVENTS, null, readers),
                RbacMatrix.workspace("GET", AuditFixtures.EVENTS + "?workspaceId={workspaceId}", null,
                        EnumSet.of(OWNER, ADMIN, AUDITOR)),
                // the chain is one for the instance: whoever may read some of the log may check it
                RbacMatrix.instance("GET", AuditFixtures.VERIFY, null, readers),
                // whole-chain exports are the owner's; others name a workspace (400 without one: not a refusal)
                RbacMatrix.instance("GET", "/api/v1/audit/export", null, readers),
                RbacMatrix.workspace("GET", "/api/v1/audit/export?workspaceId={workspaceId}", null,
                        EnumSet.of(OWNER, ADMIN, AUDITOR)),
                RbacMatrix.instance("GET", "/api/v1/audit/export/manifest", null, readers),
                RbacMatrix.workspace("GET", "/api/v1/audit/export/manifest?workspaceId={workspaceId}", null,
                        EnumSet.of(OWNER, ADMIN, AUDITOR)),
                RbacMatrix.instance("GET", "/api/v1/audit/checkpoints/latest", null, readers),
                RbacMatrix.instance("GET", "/api/v1/audit/checkpoints/public-key", null, readers),
                RbacMatrix.instance("GET", "/api/v1/audit/legal-holds", null, EnumSet.of(OWNER)),
                RbacMatrix.instance("PUT", "/api/v1/audit/legal-holds/{workspaceId}",
                        RbacMatrix.json("{\"reason\": \"matrix\"}"), EnumSet.of(OWNER)),
                RbacMatrix.instance("DELETE", "/api/v1/audit/legal-holds/{workspaceId}", null, EnumSet.of(OWNER)),
                // the test profile's retention period (100 years) prunes nothing here
                RbacMatrix.instance("POST", "/api/v1/audit/retention/run", null, EnumSet.of(OWNER)));
    }

    @Test
    void everyEndpointAnswersEveryCallerAsItsRoleAllows() throws Exception {
        TestIssuer issuer = TestIssuer.current();
        String ws = AuditFixtures.newWorkspace();
        Map<Caller, String> tokens = new EnumMap<>(Caller.class);
        tokens.put(OWNER, issuer.user("owner-" + UUID.randomUUID(), Map.of(ws, "admin"), "owner"));
        for (Caller role : List.of(ADMIN, Caller.EDITOR, Caller.VIEWER, AUDITOR)) {
            tokens.put(role, issuer.user("u-" + UUID.randomUUID(), Map.of(ws, role.name().toLowerCase())));
        }
        tokens.put(OTHER_WORKSPACE, issuer.user("u-" + UUID.randomUUID(), Map.of(AuditFixtures.newWorkspace(), "admin")));
        tokens.put(SERVICE, AuditFixtures.serviceToken());
        tokens.put(Caller.EXPIRED, issuer.expiredUser("owner-" + UUID.randomUUID(), Map.of(ws, "admin"), "owner"));
        tokens.put(Caller.TAMPERED, RbacMatrix.tamper(tokens.get(OWNER)));
        JwtClaims otherAudience = issuer.base("owner-" + UUID.randomUUID(), List.of("medhook-sandbox"), 600);
        otherAudience.setClaim("mht", "user");
        otherAudience.setStringListClaim("roles", "owner");
        tokens.put(Caller.WRONG_AUDIENCE, issuer.sign(otherAudience));

        assertEquals(List.of(), RbacMatrix.run(base.toString(), endpoints(ws), tokens,
                Map.of("workspaceId", ws)));
    }

    @Test
    void theMatrixCoversEveryOperationOfTheService() throws Exception {
        assertEquals(Set.of(), RbacMatrix.uncovered(base.toString(), endpoints("unused"),
                Set.of()));
    }
}
