package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Real Helm lints (strict) and renders the chart for every value set; every object must fit the Kubernetes schemas. */
class ChartRenderTest {

    static final List<String> VALUE_SETS = RenderedChart.VALUE_SETS;

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void lintsStrictWithoutErrorsOrWarnings(String valueSet) throws Exception {
        LintResult lint = RenderedChart.lint(valueSet);
        List<String> problems = lint.getMessages().stream()
                .filter(m -> !m.startsWith("[INFO]")).toList();
        assertFalse(lint.isFailed(), valueSet + ": helm lint --strict failed: " + lint.getMessages());
        assertEquals(List.of(), problems, valueSet + ": helm lint --strict reported errors or warnings");
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void everyRenderedObjectFitsTheKubernetesSchemaWithoutUnknownFields(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        assertFalse(chart.objects.isEmpty(), valueSet + ": nothing rendered");
        for (HasMetadata o : chart.objects) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            assertEquals(List.of(), KubernetesSchema.unknownFields(o), valueSet + ": " + id + " has unknown fields");
            assertEquals(RenderedChart.SERIALIZATION.asJson(o).isEmpty(), false, id);
        }
    }

    @Test
    void readinessTestIsAHelmTestHook() throws Exception {
        String template = Files.readString(RenderedChart.chartDir().resolve("templates/tests/readiness.yaml"));
        assertTrue(template.contains("helm.sh/hook: test"), "templates/tests/readiness.yaml is not a test hook");
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void rendersEveryServiceWithItsObjects(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        int n = RenderedChart.SERVICES.size();
        assertEquals(n, chart.all(Deployment.class).size(), valueSet + ": Deployments");
        assertEquals(n, chart.all(Service.class).size(), valueSet + ": Services");
        assertEquals(n, chart.all(ServiceAccount.class).size(), valueSet + ": ServiceAccounts");
        assertEquals(n, chart.all(ConfigMap.class).size(), valueSet + ": ConfigMaps");
        assertEquals(n, chart.all(PodDisruptionBudget.class).size(), valueSet + ": PodDisruptionBudgets");
        // default deny, one per service, one for the test pod
        assertEquals(n + 2, chart.all(NetworkPolicy.class).size(), valueSet + ": NetworkPolicies");
        assertEquals(1, chart.all(Pod.class).size(), valueSet + ": the helm test pod");
        boolean ha = valueSet.equals("high-availability");
        assertEquals(ha ? n : 0, chart.all(HorizontalPodAutoscaler.class).size(), valueSet + ": HPAs");
        boolean ingress = valueSet.equals("production") || ha;
        assertEquals(ingress ? 1 : 0, chart.all(Ingress.class).size(), valueSet + ": Ingress");
        for (Deployment d : chart.all(Deployment.class)) {
            assertTrue(d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints() != null
                    || valueSet.equals("minimal"), d.getMetadata().getName() + " has no topology spread");
        }
    }
}
