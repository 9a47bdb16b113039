package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Default deny, least-privilege traffic per service, and every workload covered by a policy and a PDB. */
class NetworkPolicyTest {

    static final List<String> VALUE_SETS = RenderedChart.VALUE_SETS;

    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new AssertionError("matchExpressions are not evaluated by this test");
        }
        Map<String, String> want = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return want.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    static List<NetworkPolicy> policiesSelecting(RenderedChart chart, Map<String, String> podLabels) {
        return chart.all(NetworkPolicy.class).stream().filter(p -> selects(p.getSpec().getPodSelector(), podLabels))
                .toList();
    }

    static Map<String, String> podLabels(RenderedChart chart, String service) {
        return chart.deployment(service).getSpec().getTemplate().getMetadata().getLabels();
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void everyWorkloadIsDeniedByDefaultAndHasItsOwnPolicyAndABudget(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        chart.podLabels().forEach((pod, labels) -> {
            List<NetworkPolicy> policies = policiesSelecting(chart, labels);
            assertTrue(policies.stream().anyMatch(p -> p.getMetadata().getName().endsWith("-default-deny")
                            && p.getSpec().getPolicyTypes().containsAll(List.of("Ingress", "Egress"))
                            && p.getSpec().getIngress().isEmpty() && p.getSpec().getEgress().isEmpty()),
                    valueSet + ": " + pod + " is not under the default deny");
            assertTrue(policies.size() >= 2, valueSet + ": " + pod + " has no policy of its own");
            for (NetworkPolicy p : policies) {
                assertTrue(p.getSpec().getPolicyTypes().containsAll(List.of("Ingress", "Egress")),
                        p.getMetadata().getName() + " must restrict both directions");
            }
        });
        for (Deployment d : chart.all(Deployment.class)) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            List<PodDisruptionBudget> pdbs = chart.all(PodDisruptionBudget.class).stream()
                    .filter(b -> selects(b.getSpec().getSelector(), labels)).toList();
            assertEquals(1, pdbs.size(), valueSet + ": " + d.getMetadata().getName() + " PodDisruptionBudgets");
        }
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void sandboxAcceptsOnlyWorkflowServiceAndReachesOnlyTheJwks(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        Map<String, String> sandbox = podLabels(chart, "sandbox-service");
        Map<String, String> workflow = podLabels(chart, "workflow-service");
        Map<String, String> auth = podLabels(chart, "auth-service");
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        for (NetworkPolicy p : policiesSelecting(chart, sandbox)) {
            ingress.addAll(p.getSpec().getIngress());
            egress.addAll(p.getSpec().getEgress());
        }
        for (NetworkPolicyIngressRule r : ingress) {
            assertFalse(r.getFrom() == null || r.getFrom().isEmpty(), "an ingress rule without peers admits everyone");
            if (ports(r.getPorts()).contains(8083)) {
                // the sandbox's API: workflow-service's pods of this release and nothing else
                assertEquals(List.of(8083), ports(r.getPorts()));
                assertEquals(1, r.getFrom().size());
                NetworkPolicyPeer peer = r.getFrom().get(0);
                assertEquals(null, peer.getIpBlock(), "no address block may call the sandbox");
                assertEquals(null, peer.getNamespaceSelector(), "no other namespace may call the sandbox");
                assertTrue(selects(peer.getPodSelector(), workflow), "the sandbox's HTTP port admits workflow-service");
                assertFalse(selects(peer.getPodSelector(), auth), "...and not auth-service");
            } else {
                // the management port only: health for the helm test pod, metrics for the configured scrapers
                assertEquals(List.of(9083), ports(r.getPorts()), valueSet + ": sandbox ingress port");
                boolean testPod = r.getFrom().stream().allMatch(f -> f.getPodSelector() != null
                        && "test".equals(f.getPodSelector().getMatchLabels().get("app.kubernetes.io/component")));
                boolean scrapers = valueSet.equals("production") && r.getFrom().stream().allMatch(f ->
                        f.getNamespaceSelector() != null && "monitoring".equals(
                                f.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")));
                assertTrue(testPod || scrapers, valueSet + ": unexpected peers on the management port: " + r);
            }
        }
        assertEquals(1, egress.size(), "the sandbox's only egress: auth-service's JWKS");
        NetworkPolicyEgressRule jwks = egress.get(0);
        assertEquals(List.of(8081), ports(jwks.getPorts()));
        assertEquals(1, jwks.getTo().size());
        assertTrue(selects(jwks.getTo().get(0).getPodSelector(), auth));
        assertEquals(null, jwks.getTo().get(0).getNamespaceSelector());
        assertEquals(null, jwks.getTo().get(0).getIpBlock());
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void sandboxFindsAuthServiceWithoutDns(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        var spec = chart.deployment("sandbox-service").getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, spec.getEnableServiceLinks());
        String authService = chart.named(io.fabric8.kubernetes.api.model.Service.class,
                RenderedChart.RELEASE + "-auth-service").getMetadata().getName();
        String prefix = authService.toUpperCase().replace('-', '_');
        assertEquals("http://$(" + prefix + "_SERVICE_HOST):$(" + prefix + "_SERVICE_PORT_HTTP)",
                spec.getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getName().equals("MEDHOOK_SECURITY_AUTH_URL")).findFirst().orElseThrow()
                        .getValue(), "Kubernetes' service-link variables of " + authService);
    }

    @Test
    void sandboxHasNoEgressAtAllWhenTheJwksEgressIsSwitchedOff() {
        RenderedChart chart = RenderedChart.withExtraValues("default", "networkPolicy:\n  sandboxJwksEgress: false\n");
        for (NetworkPolicy p : policiesSelecting(chart, podLabels(chart, "sandbox-service"))) {
            assertTrue(p.getSpec().getPolicyTypes().contains("Egress"));
            assertEquals(List.of(), p.getSpec().getEgress(), p.getMetadata().getName());
        }
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void servicesReachOnlyWhatTheyNeed(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        for (String service : List.of("auth-service", "workflow-service", "audit-service")) {
            NetworkPolicy own = chart.named(NetworkPolicy.class, RenderedChart.RELEASE + "-" + service);
            for (NetworkPolicyEgressRule r : own.getSpec().getEgress()) {
                assertFalse(r.getPorts() == null || r.getPorts().isEmpty(),
                        valueSet + ": " + service + " has an egress rule open on every port");
                assertFalse(r.getTo() == null || r.getTo().isEmpty(),
                        valueSet + ": " + service + " has an egress rule open to every destination");
            }
            // nothing but workflow-service may reach the sandbox
            boolean toSandbox = own.getSpec().getEgress().stream().anyMatch(r -> r.getTo().stream()
                    .anyMatch(t -> t.getPodSelector() != null
                            && selects(t.getPodSelector(), podLabels(chart, "sandbox-service"))));
            assertEquals(service.equals("workflow-service"), toSandbox, valueSet + ": " + service + " -> sandbox");
        }
        NetworkPolicy workflow = chart.named(NetworkPolicy.class, RenderedChart.RELEASE + "-workflow-service");
        boolean publicEgress = workflow.getSpec().getEgress().stream().anyMatch(r -> ports(r.getPorts()).contains(443)
                && r.getTo().stream().anyMatch(t -> t.getIpBlock() != null
                        && t.getIpBlock().getCidr().equals("0.0.0.0/0")));
        assertEquals(!valueSet.equals("minimal"), publicEgress,
                valueSet + ": workflow-service's public egress follows egress.external.enabled");
        if (valueSet.equals("production")) {
            // the allow-listed private ranges open the policy and reach the SSRF guard's allow-list alike
            for (String cidr : List.of("10.20.0.0/16", "10.21.5.0/24")) {
                assertTrue(workflow.getSpec().getEgress().stream().anyMatch(r -> r.getTo().stream()
                        .anyMatch(t -> t.getIpBlock() != null && t.getIpBlock().getCidr().equals(cidr))), cidr);
            }
            var env = chart.deployment("workflow-service").getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getEnv();
            assertEquals("10.20.0.0/16,10.21.5.0/24", env.stream()
                    .filter(e -> e.getName().equals("MEDHOOK_EGRESS_ALLOWED_CIDRS")).findFirst().orElseThrow()
                    .getValue());
        }
    }

    static List<Integer> ports(List<NetworkPolicyPort> ports) {
        return ports == null ? List.of() : ports.stream().map(p -> p.getPort().getIntVal()).toList();
    }
}
