package io.medhook.testing.vault;

import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>Optional, for dynamic database logins: {@code database-role} (the Vault database role, e.g.
 * {@code workflow-service}). PostgreSQL and the double are then set up exactly as vault-config sets production up, by
 * running vault-config's own scripts: {@code postgres/roles.sql} (psql, as the machine's PostgreSQL superuser, with a
 * throw-away prefix unique to the run: NOLOGIN group roles, databases owned by them, the CREATEROLE login Vault uses)
 * and then {@code bootstrap.sh} against the double (root token, {@link VaultSys} installed), which writes the database
 * connections and roles with the bootstrap's creation statements. The datasource (JDBC for Flyway and the reactive
 * pool) points at the service's database {@code <prefix><role without -service>} with no username or password, only
 * {@code quarkus.datasource.credentials-provider=<credentials-provider>} (default {@code vault-db}) and
 * {@code quarkus.vault.credentials-provider.<credentials-provider>.database-credentials-role=<database-role>}.
 * {@code database-creds-ttl} sets the bootstrap's {@code MEDHOOK_DB_CREDS_TTL}. {@link #stop()} revokes the leases
 * (drops the logins), then drops the prefix's databases and roles. Needs {@code psql}, {@code bash}, {@code curl} and
 * {@code jq}.
 */
public class VaultTestResource implements QuarkusTestResourceLifecycleManager {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Map<String, String> args = Map.of();
    private VaultDouble vault;
    private PgTarget pg;
    private String dbPrefix;

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
            String databaseRole = args.get("database-role");
            if (databaseRole != null) {
                cfg.putAll(databaseLogins(databaseRole));
            }
            args.forEach((k, v) -> {
                if (k.startsWith("config.")) {
                    cfg.put(k.substring("config.".length()), v);
                }
            });
            return cfg;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the service-account token file", e);
        }
    }

    /** The {@code database-role} set-up (class Javadoc): vault-config's roles.sql and bootstrap.sh, then the datasource. */
    private Map<String, String> databaseLogins(String role) {
        try {
            pg = LocalPostgres.resolveForTests(System.getenv());
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL for the database engine: " + e.getMessage(), e);
        }
        byte[] b = new byte[5];
        RANDOM.nextBytes(b);
        dbPrefix = "mhdyn" + java.util.HexFormat.of().formatHex(b) + "_";
        Path config = Path.of("").toAbsolutePath().resolveSibling("vault-config");
        String vaultPassword = password();
        List<String> secrets = List.of(vaultPassword, password(), password(), password());
        // 1. the PostgreSQL administrator's step: roles.sql as it is in vault-config
        List<String> psql = new ArrayList<>(List.of("psql", "-X", "-q", "-h", pg.host(), "-p",
                String.valueOf(pg.port()), "-U", pg.user(), "-d", "postgres", "-v", "db_prefix=" + dbPrefix,
                "-v", "vault_password=" + secrets.get(0), "-v", "audit_owner_password=" + secrets.get(1),
                "-v", "audit_writer_password=" + secrets.get(2), "-v", "audit_retention_password=" + secrets.get(3),
                "-f", config.resolve("postgres/roles.sql").toString()));
        Map<String, String> psqlEnv = new HashMap<>();
        if (pg.password() != null) {
            psqlEnv.put("PGPASSWORD", pg.password());
        }
        run("vault-config/postgres/roles.sql", psql, psqlEnv, secrets);
        // 2. the operator's step: bootstrap.sh against the double, which writes database/config and database/roles
        VaultSys.install(vault);
        Map<String, String> env = new HashMap<>();
        env.put("VAULT_ADDR", vault.url());
        env.put("VAULT_TOKEN", vault.rootToken());
        env.put("MEDHOOK_NAMESPACE", "medhook");
        env.put("MEDHOOK_DB_HOST", pg.host());
        env.put("MEDHOOK_DB_PORT", String.valueOf(pg.port()));
        env.put("MEDHOOK_DB_SSLMODE", "disable");
        env.put("MEDHOOK_DB_PREFIX", dbPrefix);
        env.put("MEDHOOK_DB_ADMIN_USER", dbPrefix + "vault");
        env.put("MEDHOOK_DB_ADMIN_PASSWORD", vaultPassword);
        if (args.containsKey("database-creds-ttl")) {
            env.put("MEDHOOK_DB_CREDS_TTL", args.get("database-creds-ttl"));
        }
        List<String> redact = new ArrayList<>(secrets);
        redact.add(vault.rootToken());
        run("vault-config/bootstrap.sh", List.of("bash", config.resolve("bootstrap.sh").toString()), env, redact);
        // 3. the service: no username or password, only the credentials provider, as in its %prod configuration
        String database = dbPrefix + role.replace("-service", "");
        String provider = args.getOrDefault("credentials-provider", "vault-db");
        Map<String, String> cfg = new HashMap<>();
        cfg.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(database));
        cfg.put("quarkus.datasource.reactive.url", pg.reactiveUrl(database));
        cfg.put("quarkus.datasource.credentials-provider", provider);
        cfg.put("quarkus.vault.credentials-provider." + provider + ".database-credentials-role", role);
        return cfg;
    }

    private static String password() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Runs a set-up command; on failure the exception carries its output with every secret replaced. */
    private static void run(String what, List<String> command, Map<String, String> env, List<String> secrets) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("MEDHOOK_") || k.startsWith("VAULT_"));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                for (String s : secrets) {
                    out = out.replace(s, "***");
                }
                throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(vault, new TestInjector.MatchesType(VaultDouble.class));
    }

    @Override
    public void stop() {
        List<String> logins = vault == null ? List.of() : vault.database().liveUsernames();
        if (vault != null) {
            vault.close(); // revokes the live database leases: drops the dynamic logins
        }
        if (pg != null && dbPrefix != null) {
            for (String db : List.of("auth", "workflow", "audit")) {
                try {
                    LocalPostgres.dropDatabase(pg, dbPrefix + db);
                } catch (Exception e) {
                    System.err.println("[tests] could not drop database " + dbPrefix + db + ": " + e.getMessage());
                }
            }
            try (java.sql.Connection c = LocalPostgres.connect(pg, "postgres");
                    java.sql.Statement s = c.createStatement()) {
                List<String> roles = new ArrayList<>(logins); // a login whose revocation failed (it owned something)
                for (String r : List.of("vault", "auth", "workflow", "audit", "audit_writer", "audit_retention")) {
                    roles.add(dbPrefix + r);
                }
                for (String r : roles) {
                    try {
                        s.execute("drop role if exists \"" + r.replace("\"", "") + "\"");
                    } catch (java.sql.SQLException e) {
                        System.err.println("[tests] could not drop role " + r + ": SQLSTATE "
                                + e.getSQLState());
                    }
                }
            } catch (java.sql.SQLException e) {
                System.err.println("[tests] could not drop the roles of " + dbPrefix + ": SQLSTATE " + e.getSQLState());
            }
        }
    }
}
