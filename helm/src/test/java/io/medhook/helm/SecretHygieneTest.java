package io.medhook.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** No secret values in ConfigMaps or env literals; secrets only by reference (secretKeyRef) or from Vault. */
class SecretHygieneTest {

    static final List<String> VALUE_SETS = RenderedChart.VALUE_SETS;

    /** Values that look like secret material, whatever the key. */
    private static final List<Pattern> SECRET_VALUES = List.of(
            Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}"),          // JWT
            Pattern.compile("\\b(hvs|hvb|s)\\.[A-Za-z0-9]{20,}"),                     // Vault tokens
            Pattern.compile("\\bmh_sk_(sbx|live)_"),                                  // MedHook API keys
            Pattern.compile("\\bwhsec_[A-Za-z0-9+/=]{16,}"),                          // webhook secrets
            Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"),                                // AWS access keys
            Pattern.compile("://[^/\\s:@]+:[^/\\s@]+@"),                              // credentials in a URL
            Pattern.compile("\\b[A-Za-z0-9+/]{40,}={0,2}"));                          // long base64 blobs
    /** Keys whose value would be a secret, unless they only name or point to one. */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i)(password|passwd|secret|token|private|credential|api[-_]?key)");
    private static final Pattern REFERENCE_KEY = Pattern.compile(
            "(?i)(-file|-path|-name|-mount|-role|credentials-provider|credentials-request-path|_FILE"
            + "|secret-engine-version|transit-key)$");

    /** Problems of one key/value pair, empty when it is fine. */
    static List<String> problems(String where, String key, String value) {
        List<String> found = new ArrayList<>();
        for (Pattern p : SECRET_VALUES) {
            if (value != null && p.matcher(value).find()) {
                found.add(where + ": " + key + " has a value that looks like secret material (" + p + ")");
            }
        }
        // the last segment names the value (medhook.secrets.vault.kv-prefix is a prefix, medhook.smtp.password is not)
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        if (SECRET_KEY.matcher(leaf).find() && !REFERENCE_KEY.matcher(leaf).find() && value != null && !value.isBlank()) {
            found.add(where + ": " + key + " carries a literal value for a secret-looking key");
        }
        return found;
    }

    static List<String> scan(RenderedChart chart) {
        List<String> found = new ArrayList<>();
        for (ConfigMap cm : chart.all(ConfigMap.class)) {
            for (var e : cm.getData().entrySet()) {
                for (String line : e.getValue().split("\n")) {
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    int eq = line.indexOf('=');
                    String key = eq < 0 ? line : line.substring(0, eq);
                    found.addAll(problems("ConfigMap " + cm.getMetadata().getName(), key,
                            eq < 0 ? "" : line.substring(eq + 1)));
                }
            }
        }
        chart.podSpecs().forEach((pod, spec) -> {
            for (Container c : spec.getContainers()) {
                for (EnvVar env : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (env.getValueFrom() == null) {
                        found.addAll(problems(pod + " env", env.getName(), env.getValue()));
                    } else if (env.getValueFrom().getConfigMapKeyRef() != null
                            && SECRET_KEY.matcher(env.getName()).find()) {
                        found.add(pod + " env " + env.getName() + " reads a secret from a ConfigMap");
                    }
                }
                for (String arg : concat(c.getCommand(), c.getArgs())) {
                    found.addAll(problems(pod + " command", "argument", arg));
                }
            }
        });
        return found;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>();
        if (a != null) {
            all.addAll(a);
        }
        if (b != null) {
            all.addAll(b);
        }
        return all;
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void noSecretInConfigMapsOrEnvironmentLiterals(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        assertEquals(List.of(), scan(chart), valueSet);
        assertEquals(List.of(), chart.all(Secret.class), valueSet + ": the chart creates no Secret");
    }

    @ParameterizedTest
    @FieldSource("VALUE_SETS")
    void databasePasswordsComeFromSecretsOrVault(String valueSet) {
        RenderedChart chart = RenderedChart.of(valueSet);
        for (String service : List.of("auth-service", "workflow-service", "audit-service")) {
            Map<String, String> props = chart.properties(service);
            List<EnvVar> env = chart.deployment(service).getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getEnv();
            var password = env.stream().filter(e -> e.getName().equals("QUARKUS_DATASOURCE_PASSWORD")).findFirst();
            boolean vault = valueSet.equals("default") || valueSet.equals("production");
            if (vault) {
                assertTrue(password.isEmpty(), valueSet + ": " + service + ": credentials from Vault, no password in env");
                assertFalse(props.containsKey("%prod.quarkus.datasource.credentials-provider"),
                        service + ": the service's own Vault credentials provider stays on");
                if (service.equals("audit-service")) {
                    assertTrue(props.containsKey("%prod.quarkus.vault.credentials-provider.audit-writer.kv-path"));
                } else {
                    assertTrue(props.containsKey(
                            "%prod.quarkus.vault.credentials-provider.vault-db.database-credentials-role"));
                }
            } else {
                assertTrue(password.isPresent() && password.get().getValueFrom().getSecretKeyRef() != null,
                        valueSet + ": " + service + ": password from a Secret");
                assertEquals("", props.get("%prod.quarkus.datasource.credentials-provider"),
                        service + ": the Vault credentials provider is switched off");
            }
        }
    }

    @Test
    void theScanFindsASecretSmuggledThroughExtraConfig() {
        RenderedChart chart = RenderedChart.withExtraValues("default",
                "workflowService:\n  extraConfig:\n    medhook.smtp.password: Tr0ub4dor-and-3\n"
                        + "    medhook.example.url: \"https://user:pa55word@example.org/\"\n");
        List<String> found = scan(chart);
        assertTrue(found.stream().anyMatch(f -> f.contains("medhook.smtp.password carries a literal value")), found.toString());
        assertTrue(found.stream().anyMatch(f -> f.contains("medhook.example.url has a value that looks like secret")),
                found.toString());
    }

    @Test
    void referencesToSecretsAreNotSecrets() {
        assertEquals(List.of(), problems("x", "medhook.auth.bootstrap.password-file", "/tmp/medhook/admin-password"));
        assertEquals(List.of(), problems("x", "quarkus.vault.authentication.kubernetes.jwt-token-path", "/var/run/x"));
        assertFalse(problems("x", "QUARKUS_DATASOURCE_PASSWORD", "postgres").isEmpty());
    }
}
