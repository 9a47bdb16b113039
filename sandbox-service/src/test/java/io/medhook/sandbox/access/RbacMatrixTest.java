package io.medhook.sandbox.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medhook.testing.RbacMatrix;
import io.medhook.testing.RbacMatrix.Caller;
import io.medhook.testing.TestIssuer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint of sandbox-service × every kind of caller (see {@link RbacMatrix}). The service accepts only service
 * tokens minted for {@code medhook-sandbox}: user tokens (audience {@code medhook-api}) are not even authenticated
 * here, so every user caller gets 401.
 */
@QuarkusTest
class RbacMatrixTest {

    private static final String AUDIENCE = "medhook-sandbox";

    @TestHTTPResource("/")
    URL base;

    static List<RbacMatrix.Endpoint> endpoints() {
        RbacMatrix.Endpoint run = RbacMatrix.instance("POST", "/api/v1/sandbox/executions",
                RbacMatrix.json("{\"source\": \"return input.n + 1;\", \"input\": {\"n\": 1}}"), EnumSet.of(Caller.SERVICE));
        for (Caller user : RbacMatrix.ANY_USER) {
            run = run.refuses(user, 401);
        }
        return List.of(run);
    }

    @Test
    void everyEndpointAnswersEveryCallerAsItsRoleAllows() throws Exception {
        TestIssuer issuer = TestIssuer.current();
        String ws = UUID.randomUUID().toString();
        Map<Caller, String> tokens = new EnumMap<>(Caller.class);
        tokens.put(Caller.OWNER, issuer.user("owner-" + UUID.randomUUID(), Map.of(ws, "admin"), "owner"));
        for (Caller role : List.of(Caller.ADMIN, Caller.EDITOR, Caller.VIEWER, Caller.AUDITOR)) {
            tokens.put(role, issuer.user("u-" + UUID.randomUUID(), Map.of(ws, role.name().toLowerCase())));
        }
        tokens.put(Caller.OTHER_WORKSPACE, issuer.user("u-" + UUID.randomUUID(), Map.of(UUID.randomUUID().toString(), "admin")));
        tokens.put(Caller.SERVICE, issuer.service("workflow-service", AUDIENCE));
        JwtClaims expired = issuer.base("workflow-service", List.of(AUDIENCE), 300);
        long now = Instant.now().getEpochSecond();
        expired.setIssuedAt(NumericDate.fromSeconds(now - 900));
        expired.setExpirationTime(NumericDate.fromSeconds(now - 600));
        expired.setClaim("mht", "service");
        expired.setStringListClaim("roles", "service");
        tokens.put(Caller.EXPIRED, issuer.sign(expired));
        tokens.put(Caller.TAMPERED, RbacMatrix.tamper(tokens.get(Caller.SERVICE)));
        tokens.put(Caller.WRONG_AUDIENCE, issuer.service("workflow-service", "medhook-audit"));

        assertEquals(List.of(), RbacMatrix.run(base.toString(), endpoints(), tokens, Map.of()));
    }

    @Test
    void theMatrixCoversEveryOperationOfTheService() throws Exception {
        assertEquals(Set.of(), RbacMatrix.uncovered(base.toString(), endpoints(), Set.of()));
    }
}
