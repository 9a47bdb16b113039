package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Each service's quarkus-kubernetes manifest ({@code <service>/target/kubernetes/kubernetes.yml}, generated from its
 * application.properties by the build that runs before this module) and the chart must agree on container ports,
 * probe paths and ports, and the standard labels.
 */
class ManifestAgreementTest {

    static final List<String> SERVICES = RenderedChart.SERVICES;
    static final List<String> LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/component",
            "app.kubernetes.io/part-of");

    static Deployment quarkusDeployment(String service) throws Exception {
        Path manifest = RenderedChart.chartDir().resolveSibling(service).resolve("target/kubernetes/kubernetes.yml");
        assertTrue(Files.exists(manifest), manifest + " is missing: build " + service + " first (the reactor builds"
                + " the services before this module)");
        for (Map<String, Object> doc : RenderedChart.parseAll(Files.readString(manifest))) {
            if ("Deployment".equals(doc.get("kind"))) {
                return (Deployment) KubernetesSchema.toTyped(doc);
            }
        }
        throw new AssertionError(manifest + " has no Deployment");
    }

    /** What the two sides must agree on, as comparable text. */
    static Map<String, String> contract(Deployment d) {
        Map<String, String> c = new TreeMap<>();
        Container container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, Integer> ports = new TreeMap<>();
        for (ContainerPort p : container.getPorts()) {
            ports.put(p.getName(), p.getContainerPort());
        }
        c.put("ports", ports.toString());
        c.put("startupProbe", probe(container.getStartupProbe(), ports));
        c.put("readinessProbe", probe(container.getReadinessProbe(), ports));
        c.put("livenessProbe", probe(container.getLivenessProbe(), ports));
        Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
        for (String l : LABELS) {
            c.put("label " + l, labels.get(l));
        }
        return c;
    }

    private static String probe(Probe p, Map<String, Integer> ports) {
        if (p == null || p.getHttpGet() == null) {
            return "none";
        }
        IntOrString port = p.getHttpGet().getPort();
        int number = port.getIntVal() != null ? port.getIntVal() : ports.getOrDefault(port.getStrVal(), -1);
        return p.getHttpGet().getScheme() + " " + p.getHttpGet().getPath() + " on " + number;
    }

    static List<String> disagreements(Deployment quarkus, Deployment chart) {
        Map<String, String> q = contract(quarkus);
        Map<String, String> h = contract(chart);
        List<String> diffs = new ArrayList<>();
        for (String k : q.keySet()) {
            if (!q.get(k).equals(h.get(k))) {
                diffs.add(k + ": quarkus-kubernetes says " + q.get(k) + ", the chart says " + h.get(k));
            }
        }
        return diffs;
    }

    @ParameterizedTest
    @FieldSource("SERVICES")
    void chartAgreesWithTheGeneratedManifest(String service) throws Exception {
        Deployment quarkus = quarkusDeployment(service);
        for (String valueSet : RenderedChart.VALUE_SETS) {
            Deployment chart = RenderedChart.of(valueSet).deployment(service);
            assertEquals(List.of(), disagreements(quarkus, chart), valueSet + ": " + service);
        }
    }

    @ParameterizedTest
    @FieldSource("SERVICES")
    void versionLabelIsTheChartsAppVersion(String service) throws Exception {
        String quarkusVersion = quarkusDeployment(service).getSpec().getTemplate().getMetadata().getLabels()
                .get("app.kubernetes.io/version");
        String chartVersion = RenderedChart.of("default").deployment(service).getSpec().getTemplate().getMetadata()
                .getLabels().get("app.kubernetes.io/version");
        assertEquals(quarkusVersion, chartVersion, service + ": bump appVersion in Chart.yaml with the project version");
    }

    @Test
    void aChangedPortOrProbePathIsADisagreement() throws Exception {
        Deployment quarkus = quarkusDeployment("sandbox-service");
        Deployment chart = RenderedChart.of("default").deployment("sandbox-service");
        Deployment moved = RenderedChart.SERIALIZATION.clone(quarkus);
        Container c = moved.getSpec().getTemplate().getSpec().getContainers().get(0);
        c.getPorts().stream().filter(p -> p.getName().equals("management")).findFirst().orElseThrow()
                .setContainerPort(9999);
        c.getReadinessProbe().getHttpGet().setPath("/health");
        moved.getSpec().getTemplate().getMetadata().getLabels().put("app.kubernetes.io/component", "js");
        List<String> diffs = disagreements(moved, chart);
        assertEquals(3, diffs.size(), diffs.toString());
        assertTrue(diffs.stream().anyMatch(d -> d.startsWith("ports:")), diffs.toString());
        assertTrue(diffs.stream().anyMatch(d -> d.startsWith("readinessProbe:") && d.contains("says HTTP /health on")),
                diffs.toString());
        assertTrue(diffs.stream().anyMatch(d -> d.startsWith("label app.kubernetes.io/component")), diffs.toString());
    }

}
