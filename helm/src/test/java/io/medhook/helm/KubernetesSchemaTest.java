package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The validator itself: it must catch what it is there to catch. */
class KubernetesSchemaTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: x}
            spec:
              replicas: REPLICAS
              selector: {matchLabels: {a: b}}
              template:
                metadata: {labels: {a: b}}
                spec:
                  containers:
                    - name: c
                      image: i
                      SECURITY: {readOnlyRootFilesystem: true}
            """;

    private static Object typed(String yaml) {
        return KubernetesSchema.toTyped(RenderedChart.parseAll(yaml).get(0));
    }

    @Test
    void acceptsAValidDeployment() {
        Object d = typed(DEPLOYMENT.replace("REPLICAS", "2").replace("SECURITY", "securityContext"));
        assertEquals(List.of(), KubernetesSchema.unknownFields(d));
    }

    @Test
    void reportsAMisspeltFieldWithItsPath() {
        Object d = typed(DEPLOYMENT.replace("REPLICAS", "2").replace("SECURITY", "securityContex"));
        assertEquals(List.of("spec.template.spec.containers[0].securityContex"), KubernetesSchema.unknownFields(d));
    }

    @Test
    void rejectsAWrongType() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> typed(DEPLOYMENT.replace("REPLICAS", "two").replace("SECURITY", "securityContext")));
        assertTrue(e.getMessage().startsWith("Deployment/x does not match the Kubernetes schema"), e.getMessage());
    }

    @Test
    void rejectsAnUnknownKind() {
        assertThrows(IllegalArgumentException.class,
                () -> typed("apiVersion: apps/v1\nkind: Deployemnt\nmetadata: {name: x}\n"));
    }
}
