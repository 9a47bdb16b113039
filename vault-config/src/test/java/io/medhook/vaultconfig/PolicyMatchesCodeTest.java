package io.medhook.vaultconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.vault.HclPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each service's Vault policy grants exactly what the service's production configuration uses: every path and
 * operation named in its {@code application.properties} is allowed, and the policy allows nothing else. The rules that
 * turn configuration into Vault paths are the ones quarkus-vault and MedHook's secrets implementation follow:
 * <ul>
 * <li>{@code medhook.secrets.vault.transit-key=K}: {@code update} on {@code <transit>/encrypt/K} and
 * {@code decrypt/K} (the data-key wrapping of {@code KeyEncryption}), and on {@code rewrap/K} when the service's code
 * calls {@code rewrap(} (its re-wrap job after a key rotation);</li>
 * <li>{@code medhook.secrets.vault.signing-key=S}: {@code update} on {@code <transit>/sign/S} and {@code read} on
 * {@code <transit>/keys/S} (the public keys it publishes);</li>
 * <li>{@code medhook.secrets.vault.kv-secrets=a,b}: {@code read} on {@code <kv-mount>/data/<kv-prefix>/a} …
 * (an entry ending in {@code /*} is a glob, as in the policy);</li>
 * <li>{@code quarkus.vault.secret-config-kv-path=p}: {@code read} on {@code <kv-mount>/data/p};</li>
 * <li>{@code quarkus.vault.credentials-provider.<n>.database-credentials-role=R}: {@code read} on
 * {@code <credentials-mount>/creds/R}; {@code ...kv-path=p}: {@code read} on {@code <kv-mount>/data/p}.</li>
 * </ul>
 * Where a key has a {@code %prod.} value, that value counts: the policy is for production.
 */
class PolicyMatchesCodeTest {

    static final Path ROOT = BootstrapTest.CONFIG.getParent();

    @ParameterizedTest
    @ValueSource(strings = {"auth-service", "workflow-service", "audit-service"})
    void policyGrantsExactlyWhatTheServiceUses(String service) throws IOException {
        Map<String, Set<String>> used = used(prodConfig(service), callsRewrap(service));
        Map<String, Set<String>> granted = granted(service);
        assertFalse(used.isEmpty(), service + " names no Vault path at all");
        assertEquals(new TreeMap<>(used), new TreeMap<>(granted),
                "vault-config/policies/" + policyName(service) + ".hcl differs from " + service
                        + "/src/main/resources/application.properties");
    }

    @Test
    void sandboxServiceNeedsNoVaultAccess() throws IOException {
        assertTrue(used(prodConfig("sandbox-service"), false).isEmpty(), "sandbox-service must not reach Vault");
        assertFalse(Files.exists(BootstrapTest.CONFIG.resolve("policies/medhook-sandbox.hcl")));
    }

    @Test
    void everyPolicyFileBelongsToAService() throws IOException {
        Set<String> files;
        try (var s = Files.list(BootstrapTest.CONFIG.resolve("policies"))) {
            files = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(List.of("medhook-audit.hcl", "medhook-auth.hcl", "medhook-workflow.hcl")), files);
    }

    @Test
    void bootstrapCreatesTheTransitKeysTheServicesName() throws IOException {
        String script = Files.readString(BootstrapTest.CONFIG.resolve("bootstrap.sh"));
        Matcher m = Pattern.compile("(?s)TRANSIT_KEYS=\\((.*?)\\)").matcher(script);
        assertTrue(m.find());
        Set<String> created = new TreeSet<>();
        for (String line : m.group(1).split("\n")) {
            String row = line.strip();
            if (row.startsWith("\"")) {
                created.add(row.replace("\"", "").split("\\s+")[0]);
            }
        }
        Set<String> named = new TreeSet<>();
        for (String service : List.of("auth-service", "workflow-service", "audit-service")) {
            Properties p = prodConfig(service);
            value(p, "medhook.secrets.vault.transit-key").ifPresent(named::add);
            value(p, "medhook.secrets.vault.signing-key").ifPresent(named::add);
        }
        assertEquals(named, created);
    }

    @Test
    void aGrantBeyondTheConfigurationIsCaught() throws IOException {
        String extra = Files.readString(BootstrapTest.CONFIG.resolve("policies/medhook-workflow.hcl"))
                + "\npath \"transit/keys/medhook-workflow/rotate\" { capabilities = [\"update\"] }\n";
        Map<String, Set<String>> granted = rules(HclPolicy.parse(extra));
        assertFalse(granted.equals(used(prodConfig("workflow-service"), true)));
        assertEquals(granted("workflow-service"), used(prodConfig("workflow-service"), callsRewrap("workflow-service")),
                "without the extra rule the policy matches");
    }

    @Test
    void parserRefusesWhatItCannotEvaluate() {
        assertThrows(IllegalArgumentException.class, () -> HclPolicy.parse(
                "path \"secret/data/x\" { capabilities = [\"read\"] allowed_parameters = { \"a\" = [] } }"));
        assertThrows(IllegalArgumentException.class, () -> HclPolicy.parse(
                "path \"secret/data/x\" { capabilities = [\"reed\"] }"));
        assertThrows(IllegalArgumentException.class, () -> HclPolicy.parse("path \"a\" { capabilities = [] }"));
    }

    @Test
    void wildcardsAndPriorityFollowVault() {
        HclPolicy p = HclPolicy.parse("""
                # comment
                path "secret/data/medhook/*" { capabilities = ["read"] }
                path "secret/data/medhook/oidc/flow-key" { capabilities = ["deny"] }
                path "secret/data/+/shared" { capabilities = ["list"] }  // one segment
                """);
        assertTrue(p.allows("secret/data/medhook/service-clients/x", "read"));
        assertFalse(p.allows("secret/data/medhook/oidc/flow-key", "read"), "the exact rule wins and denies");
        assertFalse(p.allows("secret/data/other", "read"));
        assertTrue(p.allows("secret/data/team/shared", "list"));
        assertFalse(p.allows("secret/data/a/b/shared", "list"), "+ is exactly one segment");
        // the glob's first wildcard comes later than the +'s, so for this path the glob wins
        assertTrue(p.allows("secret/data/medhook/shared", "read"));
        assertFalse(p.allows("secret/data/medhook/shared", "list"));
    }

    // --- configuration → required grants -------------------------------------------------------------------------

    /** Whether the service's main code calls {@code rewrap(} (on its {@code KeyEncryption}). */
    static boolean callsRewrap(String service) throws IOException {
        try (var files = Files.walk(ROOT.resolve(service + "/src/main/java"))) {
            return files.filter(f -> f.toString().endsWith(".java")).anyMatch(f -> {
                try {
                    return Files.readString(f).contains(".rewrap(");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    static Map<String, Set<String>> used(Properties p, boolean rewrap) {
        Map<String, Set<String>> need = new TreeMap<>();
        String transit = value(p, "quarkus.vault.transit-secret-engine-mount-path").orElse("transit");
        String kvMount = value(p, "medhook.secrets.vault.kv-mount").orElse("secret");
        String kvPrefix = value(p, "medhook.secrets.vault.kv-prefix").orElse("medhook");
        String quarkusKv = value(p, "quarkus.vault.kv-secret-engine-mount-path").orElse("secret");
        boolean vault = value(p, "medhook.secrets.provider").map("vault"::equals).orElse(false);
        if (!vault) {
            return need;
        }
        value(p, "medhook.secrets.vault.transit-key").ifPresent(k -> {
            need.put(transit + "/encrypt/" + k, Set.of("update"));
            need.put(transit + "/decrypt/" + k, Set.of("update"));
            if (rewrap) {
                need.put(transit + "/rewrap/" + k, Set.of("update"));
            }
        });
        value(p, "medhook.secrets.vault.signing-key").ifPresent(k -> {
            need.put(transit + "/sign/" + k, Set.of("update"));
            need.put(transit + "/keys/" + k, Set.of("read"));
        });
        for (String name : list(value(p, "medhook.secrets.vault.kv-secrets"))) {
            need.put(kvMount + "/data/" + (kvPrefix.isEmpty() ? "" : kvPrefix + "/") + name, Set.of("read"));
        }
        for (String path : list(value(p, "quarkus.vault.secret-config-kv-path"))) {
            need.put(quarkusKv + "/data/" + path, Set.of("read"));
        }
        Pattern provider = Pattern.compile("quarkus\\.vault\\.credentials-provider\\.([^.]+)\\.(database-credentials-role|kv-path)");
        for (String key : keys(p)) {
            Matcher m = provider.matcher(key);
            if (m.matches()) {
                String v = value(p, key).orElseThrow();
                if (m.group(2).equals("kv-path")) {
                    need.put(quarkusKv + "/data/" + v, Set.of("read"));
                } else {
                    String mount = value(p, "quarkus.vault.credentials-provider." + m.group(1) + ".credentials-mount")
                            .orElse("database");
                    need.put(mount + "/creds/" + v, Set.of("read"));
                }
            }
        }
        return need;
    }

    static Map<String, Set<String>> granted(String service) throws IOException {
        return rules(HclPolicy.parse(Files.readString(
                BootstrapTest.CONFIG.resolve("policies/" + policyName(service) + ".hcl"))));
    }

    static Map<String, Set<String>> rules(HclPolicy policy) {
        Map<String, Set<String>> out = new TreeMap<>();
        policy.rules().forEach(r -> out.put(r.pattern(), new TreeSet<>(r.capabilities())));
        return out;
    }

    static String policyName(String service) {
        return "medhook-" + service.replace("-service", "");
    }

    /** The service's configuration as production sees it: {@code %prod.k} overrides {@code k}. */
    static Properties prodConfig(String service) throws IOException {
        Properties raw = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve(service + "/src/main/resources/application.properties"))) {
            raw.load(r);
        }
        Properties prod = new Properties();
        for (String k : raw.stringPropertyNames()) {
            if (!k.startsWith("%")) {
                prod.setProperty(k, raw.getProperty(k));
            }
        }
        for (String k : raw.stringPropertyNames()) {
            if (k.startsWith("%prod.")) {
                prod.setProperty(k.substring("%prod.".length()), raw.getProperty(k));
            }
        }
        return prod;
    }

    static Optional<String> value(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        Matcher env = Pattern.compile("\\$\\{[A-Z0-9_]+:([^}]*)}").matcher(v.strip());
        return Optional.of(env.matches() ? env.group(1) : v.strip()).filter(s -> !s.isEmpty());
    }

    static List<String> list(Optional<String> v) {
        List<String> out = new ArrayList<>();
        v.ifPresent(s -> {
            for (String e : s.split(",")) {
                if (!e.isBlank()) {
                    out.add(e.strip());
                }
            }
        });
        return out;
    }

    static Set<String> keys(Properties p) {
        return new TreeSet<>(p.stringPropertyNames());
    }
}
