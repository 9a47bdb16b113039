package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** values.schema.json refuses unknown keys and wrong types before anything is rendered. */
class ValuesSchemaTest {

    private static String refusal(String values) {
        Exception e = assertThrows(Exception.class, () -> RenderedChart.template("default", values),
                "Helm rendered values the schema should refuse:\n" + values);
        return e.getMessage();
    }

    @Test
    void rejectsAnUnknownTopLevelKey() {
        String m = refusal("replicaCount: 3\n");
        assertTrue(m.contains("replicaCount"), m);
    }

    @Test
    void rejectsAnUnknownKeyInsideAService() {
        // a misspelt key would otherwise be ignored silently
        String m = refusal("workflowService:\n  replicas: 3\n");
        assertTrue(m.contains("replicas"), m);
    }

    @Test
    void rejectsASecretValueKeyThatDoesNotExist() {
        // there is deliberately no place for a password in values: Secrets or Vault only
        String m = refusal("authService:\n  adminPassword: change-me-please\n");
        assertTrue(m.contains("adminPassword"), m);
    }

    @Test
    void rejectsAWrongType() {
        String m = refusal("sandboxService:\n  replicaCount: two\n");
        assertTrue(m.contains("replicaCount"), m);
    }

    @Test
    void rejectsAWrongTypeForASwitch() {
        String m = refusal("ingress:\n  enabled: \"yes\"\n");
        assertTrue(m.contains("enabled"), m);
    }

    @Test
    void rejectsAnInvalidRuntimeAndDigest() {
        assertTrue(refusal("auditService:\n  runtime: graal\n").contains("runtime"));
        assertTrue(refusal("auditService:\n  image:\n    digest: latest\n").contains("digest"));
    }

    @Test
    void requiresAHostAndTlsSecretForTheIngress() {
        String m = refusal("ingress:\n  enabled: true\n");
        assertTrue(m.contains("ingress.host is required"), m);
    }
}
