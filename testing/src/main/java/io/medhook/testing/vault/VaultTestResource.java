package io.medhook.testing.vault;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the application under test against a {@link VaultDouble} the way production runs against Vault: quarkus-vault
 * logs in with Kubernetes auth (role = the service name, a service-account token file the double signed), the secrets
 * provider is {@code vault}, Transit keys and KV secrets exist as vault-config's bootstrap would create them, and the
 * token carries the service's real policy ({@code vault-config/policies/medhook-<service>.hcl}, plus Vault's
 * {@code default}), which the double enforces ({@link HclPolicy}): every Vault call the service makes in the test must
 * be allowed by the policy it will have in production.
 *
 * <p>Arguments ({@code @ResourceArg}): {@code service} (the role and service-account name, required),
 * {@code transit-key} (an {@code aes256-gcm96} key created with {@code derived=true}), {@code signing-key} (an
 * {@code ed25519} key), {@code kv-secrets} (comma-separated names, each written with a random {@code value}: 32 bytes,
 * base64url for {@code service-clients/*} as HttpServiceTokens generates them, base64 otherwise) under
 * {@code secret/medhook/<name>}), and {@code config.<key>} for any further configuration of the application. The test class gets the double injected into a field of type {@link VaultDouble}.
 */
public class VaultTestResource implements QuarkusTestResourceLifecycleManager {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Map<String, String> args = Map.of();
    private VaultDouble vault;

    @Override
    public void init(Map<String, String> initArgs) {
        this.args = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        String service = args.get("service");
        if (service == null) {
            throw new IllegalStateException("VaultTestResource needs the argument service");
        }
        vault = VaultDouble.start();
        String policy = "medhook-" + service.replace("-service", "");
        vault.kubernetes().role(service, new VaultKubernetes.Role(Set.of(service), Set.of("medhook"),
                List.of(policy, "default"), Duration.ofHours(1)));
        // the service's real policy from vault-config, enforced: a Vault call the policy does not allow is a 403
        Path policyFile = Path.of("").toAbsolutePath().resolveSibling("vault-config").resolve("policies")
                .resolve(policy + ".hcl");
        if (!Files.isRegularFile(policyFile)) {
            throw new IllegalStateException("no Vault policy for " + service + " at " + policyFile);
        }
        try {
            vault.acl(HclPolicy.acl(Map.of(policy, HclPolicy.parse(Files.readString(policyFile)))));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + policyFile, e);
        }
        String transitKey = args.get("transit-key");
        if (transitKey != null) {
            vault.transit().createKey(transitKey, "aes256-gcm96", true);
        }
        String signingKey = args.get("signing-key");
        if (signingKey != null) {
            vault.transit().createKey(signingKey, "ed25519", false);
        }
        for (String name : args.getOrDefault("kv-secrets", "").split(",")) {
            if (!name.isBlank()) {
                byte[] b = new byte[32];
                RANDOM.nextBytes(b);
                // client secrets as HttpServiceTokens makes them (base64url: safe in HTTP Basic), keys as base64
                String value = name.strip().startsWith("service-clients/")
                        ? Base64.getUrlEncoder().withoutPadding().encodeToString(b)
                        : Base64.getEncoder().encodeToString(b);
                vault.kv().put("medhook/" + name.strip(), Map.of("value", value));
            }
        }
        try {
            Path dir = Files.createTempDirectory("medhook-sa");
            Path token = dir.resolve("token");
            Files.writeString(token, vault.kubernetes().serviceAccountToken("medhook", service));
            Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
            Map<String, String> cfg = new HashMap<>();
            cfg.put("medhook.secrets.provider", "vault");
            cfg.put("quarkus.vault.url", vault.url());
            cfg.put("quarkus.vault.authentication.kubernetes.role", service);
            cfg.put("quarkus.vault.authentication.kubernetes.jwt-token-path", token.toString());
            // in a pod quarkus-vault trusts the cluster CA from the service-account mount; the double speaks plain HTTP
            cfg.put("quarkus.vault.tls.use-kubernetes-ca-cert", "false");
            args.forEach((k, v) -> {
                if (k.startsWith("config.")) {
                    cfg.put(k.substring("config.".length()), v);
                }
            });
            return cfg;
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the service-account token file", e);
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(vault, new TestInjector.MatchesType(VaultDouble.class));
    }

    @Override
    public void stop() {
        if (vault != null) {
            vault.close();
        }
    }
}
