package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The "restricted" pod security rules, resources, probes and graceful shutdown, for every pod of every value set. */
class PodSecurityTest {

    static final List<String> VALUE_SETS = RenderedChart.VALUE_SETS;
    /** The services that log in to Vault with Kubernetes auth (sandbox-service holds no secret). */
    static final Set<String> VAULT_USERS = Set.of("auth-service", "workflow-service", "audit-service");

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void everyPodRunsRestricted(String valueSet) {
        Map<String, PodSpec> pods = RenderedChart.of(valueSet).podSpecs();
        assertEquals(5, pods.size(), valueSet + ": four Deployments and the test pod");
        pods.forEach((pod, spec) -> {
            PodSecurityContext psc = spec.getSecurityContext();
            assertNotNull(psc, pod + ": no pod securityContext");
            assertEquals(Boolean.TRUE, psc.getRunAsNonRoot(), pod + ": runAsNonRoot");
            assertTrue(psc.getRunAsUser() != null && psc.getRunAsUser() > 0, pod + ": runAsUser must not be root");
            assertEquals("RuntimeDefault", psc.getSeccompProfile().getType(), pod + ": seccomp");
            assertNotEquals(Boolean.TRUE, spec.getHostNetwork(), pod + ": hostNetwork");
            assertNotEquals(Boolean.TRUE, spec.getHostPID(), pod + ": hostPID");
            assertNotEquals(Boolean.TRUE, spec.getHostIPC(), pod + ": hostIPC");
            for (Volume v : spec.getVolumes() == null ? List.<Volume>of() : spec.getVolumes()) {
                assertNull(v.getHostPath(), pod + ": hostPath volume " + v.getName());
            }
            List<Container> all = new java.util.ArrayList<>(spec.getContainers());
            if (spec.getInitContainers() != null) {
                all.addAll(spec.getInitContainers());
            }
            for (Container c : all) {
                String id = pod + "/" + c.getName();
                SecurityContext sc = c.getSecurityContext();
                assertNotNull(sc, id + ": no securityContext");
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), id + ": allowPrivilegeEscalation");
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), id + ": readOnlyRootFilesystem");
                assertEquals(Boolean.TRUE, sc.getRunAsNonRoot(), id + ": runAsNonRoot");
                assertNotEquals(Boolean.TRUE, sc.getPrivileged(), id + ": privileged");
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), id + ": capabilities.drop");
                assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(),
                        id + ": capabilities.add");
                assertEquals("RuntimeDefault", sc.getSeccompProfile().getType(), id + ": seccomp");
                var limits = c.getResources().getLimits();
                assertTrue(limits != null && limits.containsKey("cpu") && limits.containsKey("memory"),
                        id + ": cpu and memory limits");
                var requests = c.getResources().getRequests();
                assertTrue(requests != null && requests.containsKey("cpu") && requests.containsKey("memory"),
                        id + ": cpu and memory requests");
            }
        });
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void onlyVaultUsersGetAServiceAccountTokenAndOnlyAProjectedOne(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        chart.podSpecs().forEach((pod, spec) -> {
            assertEquals(Boolean.FALSE, spec.getAutomountServiceAccountToken(),
                    pod + ": the API token must never be automounted");
            boolean projectsToken = spec.getVolumes() != null && spec.getVolumes().stream()
                    .anyMatch(v -> v.getProjected() != null && v.getProjected().getSources().stream()
                            .anyMatch(s -> s.getServiceAccountToken() != null));
            String service = pod.startsWith("Deployment/") ? pod.substring(("Deployment/" + RenderedChart.RELEASE + "-").length()) : "test";
            assertEquals(VAULT_USERS.contains(service), projectsToken,
                    pod + ": a service-account token only where Vault's Kubernetes auth needs it");
            if (projectsToken) {
                var token = spec.getVolumes().stream().filter(v -> v.getProjected() != null).findFirst().orElseThrow()
                        .getProjected().getSources().get(0).getServiceAccountToken();
                assertTrue(token.getExpirationSeconds() <= 86400, pod + ": token lifetime");
                assertEquals("/var/run/secrets/medhook/vault/token",
                        chart.properties(service).get("%prod.quarkus.vault.authentication.kubernetes.jwt-token-path"),
                        pod + ": quarkus-vault reads the projected token");
            }
        });
        chart.all(io.fabric8.kubernetes.api.model.ServiceAccount.class).forEach(sa -> assertEquals(Boolean.FALSE,
                sa.getAutomountServiceAccountToken(), sa.getMetadata().getName()));
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void probesUseTheHealthEndpointsOnTheManagementPort(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        for (String service : RenderedChart.SERVICES) {
            Container c = chart.deployment(service).getSpec().getTemplate().getSpec().getContainers().get(0);
            assertProbe(c.getStartupProbe(), "/q/health/started", service);
            assertProbe(c.getReadinessProbe(), "/q/health/ready", service);
            assertProbe(c.getLivenessProbe(), "/q/health/live", service);
            assertTrue(c.getPorts().stream().anyMatch(p -> p.getName().equals("management")), service);
        }
    }

    private static void assertProbe(Probe p, String path, String service) {
        assertNotNull(p, service + ": probe for " + path);
        assertEquals(path, p.getHttpGet().getPath(), service);
        assertEquals("management", p.getHttpGet().getPort().getStrVal(), service + ": " + path + " port");
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void shutdownFitsIntoTheGracePeriod(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        for (String service : RenderedChart.SERVICES) {
            Deployment d = chart.deployment(service);
            PodSpec spec = d.getSpec().getTemplate().getSpec();
            Container c = spec.getContainers().get(0);
            long grace = spec.getTerminationGracePeriodSeconds();
            long preStop = c.getLifecycle().getPreStop().getSleep().getSeconds();
            Duration shutdown = Duration.parse("PT" + chart.properties(service).get("quarkus.shutdown.timeout").toUpperCase());
            if (service.equals("workflow-service")) {
                // after the HTTP phase the engine and the webhook dispatcher drain in turn, then hand back leases
                for (String drain : List.of("medhook.workflow.engine.drain-timeout",
                        "medhook.workflow.delivery.drain-timeout")) {
                    String v = chart.properties(service).get(drain);
                    assertTrue(v != null, service + ": " + drain + " is set by the chart");
                    Duration wait = Duration.parse("PT" + v.toUpperCase());
                    assertTrue(wait.toSeconds() > 0, service + ": " + drain);
                    shutdown = shutdown.plus(wait);
                }
            }
            assertTrue(preStop > 0, service + ": a preStop pause lets endpoints drop the pod before SIGTERM");
            assertTrue(preStop + shutdown.toSeconds() < grace, service + ": preStop " + preStop + " s + shutdown "
                    + shutdown.toSeconds() + " s must end before SIGKILL at " + grace + " s");
        }
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void writableOnlyWhereMounted(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        for (String service : RenderedChart.SERVICES) {
            PodSpec spec = chart.deployment(service).getSpec().getTemplate().getSpec();
            for (VolumeMount m : spec.getContainers().get(0).getVolumeMounts()) {
                Volume v = spec.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                        .orElseThrow();
                if (v.getEmptyDir() == null) {
                    assertEquals(Boolean.TRUE, m.getReadOnly(), service + ": " + m.getMountPath() + " read-only");
                } else {
                    assertNotNull(v.getEmptyDir().getSizeLimit(), service + ": emptyDir " + v.getName() + " bounded");
                }
            }
        }
    }

    private static void assertNotEquals(Object unexpected, Object actual, String message) {
        assertFalse(java.util.Objects.equals(unexpected, actual), message);
    }
}
