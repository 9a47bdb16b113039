package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator side of the {@link VaultDouble}, registered through {@link VaultDouble#route}: what an idempotent
 * bootstrap such as {@code vault-config/bootstrap.sh} calls, following Vault 1.18's HTTP API. {@code sys/mounts} and
 * {@code sys/auth} (list, enable; enabling a path in use answers 400 "path is already in use at …/"),
 * {@code sys/policies/acl/<name>} (write, read, list; the policy text is parsed with {@link HclPolicy}, a policy it
 * cannot read answers 400), {@code auth/kubernetes/config} and {@code auth/kubernetes/role/<name>} (feeding
 * {@link VaultKubernetes}), {@code database/config/<name>} (with {@code verify_connection}: a real JDBC connection to
 * the PostgreSQL server named by {@code connection_url}) and {@code database/roles/<name>} (feeding
 * {@link VaultDatabase}, so {@code database/creds/<role>} then runs the configured creation statements on that server).
 *
 * <p>Like a production Vault (not a dev server), the mount table starts with only {@code cubbyhole/},
 * {@code identity/} and {@code sys/}, and the auth table with {@code token/}: the engines the double serves answer
 * regardless, but the tables show what a bootstrap enabled. {@link #enforcePolicies} makes the double refuse every
 * request the written policies (plus Vault's {@code default} policy) do not allow.
 */
public final class VaultSys {

    /** One row of the mount or auth table. */
    public record Mount(String type, Map<String, String> options, String description) {
    }

    private static final Pattern PG_URL = Pattern.compile(
            "postgres(?:ql)?://(?:\\{\\{username}}:\\{\\{password}}@)?([^/?]+)/([^?]+)(?:\\?(.*))?");

    private final VaultDouble vault;
    private final Map<String, Mount> mounts = new ConcurrentHashMap<>();
    private final Map<String, Mount> auths = new ConcurrentHashMap<>();
    private final Map<String, String> policyText = new ConcurrentHashMap<>();
    private final Map<String, HclPolicy> policies = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> kubernetesConfig = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> databaseConfigs = new ConcurrentHashMap<>();
    private final Map<String, String> databasePasswords = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> databaseRoles = new ConcurrentHashMap<>();

    private VaultSys(VaultDouble vault) {
        this.vault = vault;
        mounts.put("cubbyhole/", new Mount("cubbyhole", Map.of(), "per-token private secret storage"));
        mounts.put("identity/", new Mount("identity", Map.of(), "identity store"));
        mounts.put("sys/", new Mount("system", Map.of(), "system endpoints used for control, policy and debugging"));
        auths.put("token/", new Mount("token", Map.of(), "token based credentials"));
    }

    /** Registers the operator routes on {@code vault}. */
    public static VaultSys install(VaultDouble vault) {
        VaultSys sys = new VaultSys(vault);
        sys.register();
        return sys;
    }

    /** The mount table (paths end with {@code /}). */
    public Map<String, Mount> mounts() {
        return Map.copyOf(mounts);
    }

    /** The auth method table (paths end with {@code /}). */
    public Map<String, Mount> auths() {
        return Map.copyOf(auths);
    }

    /** The ACL policies written so far, by name, as text. */
    public Map<String, String> policyTexts() {
        return Map.copyOf(policyText);
    }

    /** The database connection configurations written so far, by name (without the password, as Vault reads them). */
    public Map<String, ObjectNode> databaseConfigs() {
        return Map.copyOf(databaseConfigs);
    }

    /** The database roles written so far, by name. */
    public Map<String, ObjectNode> databaseRoles() {
        return Map.copyOf(databaseRoles);
    }

    /** From now on, requests made with a non-root token are allowed only as the written policies say. */
    public void enforcePolicies() {
        vault.acl(HclPolicy.acl(policies));
    }

    private void register() {
        vault.route("GET", "sys/mounts", r -> table(mounts));
        vault.route("POST", "sys/mounts/{path*}", r -> enable(mounts, r, "secrets engine"));
        vault.route("GET", "sys/auth", r -> table(auths));
        vault.route("POST", "sys/auth/{path*}", r -> enable(auths, r, "auth method"));
        vault.route("POST", "sys/policies/acl/{name}", this::writePolicy);
        vault.route("GET", "sys/policies/acl/{name}", r -> {
            String text = policyText.get(r.param("name"));
            if (text == null) {
                throw VaultError.notFound();
            }
            ObjectNode d = VaultResponse.object();
            d.put("name", r.param("name"));
            d.put("policy", text);
            return VaultResponse.data(d);
        });
        vault.route("LIST", "sys/policies/acl", r -> keys(policyText.keySet()));
        vault.route("POST", "auth/kubernetes/config", r -> {
            requireEnabled(auths, "kubernetes/", r.path());
            if (r.text("kubernetes_host") == null || r.text("kubernetes_host").isEmpty()) {
                throw new VaultError(400, "no host provided");
            }
            kubernetesConfig.put("config", r.body().deepCopy());
            return VaultResponse.noContent();
        });
        vault.route("GET", "auth/kubernetes/config", r -> {
            ObjectNode c = kubernetesConfig.get("config");
            if (c == null) {
                throw VaultError.notFound();
            }
            return VaultResponse.data(c);
        });
        vault.route("POST", "auth/kubernetes/role/{name}", this::writeKubernetesRole);
        vault.route("GET", "auth/kubernetes/role/{name}", r -> kubernetesRole(r.param("name")));
        vault.route("POST", "database/config/{name}", this::writeDatabaseConfig);
        vault.route("GET", "database/config/{name}", r -> existing(databaseConfigs, r.param("name")));
        vault.route("POST", "database/roles/{name}", this::writeDatabaseRole);
        vault.route("GET", "database/roles/{name}", r -> existing(databaseRoles, r.param("name")));
    }

    private static VaultResponse table(Map<String, Mount> table) {
        ObjectNode d = VaultResponse.object();
        new java.util.TreeMap<>(table).forEach((path, m) -> {
            ObjectNode e = d.putObject(path);
            e.put("type", m.type());
            e.put("description", m.description());
            if (m.options().isEmpty()) {
                e.putNull("options");
            } else {
                ObjectNode o = e.putObject("options");
                m.options().forEach(o::put);
            }
            e.putObject("config").put("default_lease_ttl", 0).put("max_lease_ttl", 0);
            e.put("local", false);
            e.put("seal_wrap", false);
        });
        return VaultResponse.data(d);
    }

    private static VaultResponse enable(Map<String, Mount> table, VaultRequest r, String what) {
        String path = r.param("path").replaceAll("/+$", "") + "/";
        String type = r.text("type");
        if (type == null || type.isEmpty()) {
            throw new VaultError(400, "plugin type must be set for " + what);
        }
        for (String existing : table.keySet()) {
            if (existing.startsWith(path) || path.startsWith(existing)) {
                throw new VaultError(400, "path is already in use at " + existing);
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        JsonNode o = r.body().get("options");
        if (o != null && o.isObject()) {
            o.fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        }
        if ("kv-v2".equals(type)) {
            type = "kv";
            options.put("version", "2");
        }
        String desc = r.text("description");
        table.put(path, new Mount(type, Map.copyOf(options), desc == null ? "" : desc));
        return VaultResponse.noContent();
    }

    private VaultResponse writePolicy(VaultRequest r) {
        String text = r.text("policy");
        if (text == null || text.isBlank()) {
            throw new VaultError(400, "'policy' parameter not supplied or empty");
        }
        HclPolicy parsed;
        try {
            parsed = HclPolicy.parse(text);
        } catch (IllegalArgumentException e) {
            throw new VaultError(400, "failed to parse policy: " + e.getMessage());
        }
        String name = r.param("name").toLowerCase(java.util.Locale.ROOT);
        if ("root".equals(name)) {
            throw new VaultError(400, "cannot update \"root\" policy");
        }
        policyText.put(name, text);
        policies.put(name, parsed);
        return VaultResponse.noContent();
    }

    private VaultResponse writeKubernetesRole(VaultRequest r) {
        requireEnabled(auths, "kubernetes/", r.path());
        String name = r.param("name");
        List<String> sas = list(r.body(), "bound_service_account_names");
        List<String> nss = list(r.body(), "bound_service_account_namespaces");
        if (sas.isEmpty()) {
            throw new VaultError(400, "\"bound_service_account_names\" can not be empty");
        }
        if (nss.isEmpty() && r.text("bound_service_account_namespace_selector") == null) {
            throw new VaultError(400,
                    "\"bound_service_account_namespaces\" can not be empty if \"bound_service_account_namespace_selector\" is not set");
        }
        List<String> pols = list(r.body(), "token_policies");
        if (pols.isEmpty()) {
            pols = list(r.body(), "policies");
        }
        List<String> withDefault = new ArrayList<>(pols);
        if (!r.bool("token_no_default_policy", false) && !withDefault.contains("default")) {
            withDefault.add("default");
        }
        Duration ttl = ttl(r.text("token_ttl"), Duration.ofHours(768));
        vault.kubernetes().role(name, new VaultKubernetes.Role(Set.copyOf(sas), Set.copyOf(nss), List.copyOf(withDefault),
                ttl));
        ObjectNode stored = r.body().deepCopy();
        stored.set("token_policies", array(pols));
        stored.set("bound_service_account_names", array(sas));
        stored.set("bound_service_account_namespaces", array(nss));
        stored.put("token_ttl", ttl.toSeconds());
        kubernetesRoles.put(name, stored);
        return VaultResponse.noContent();
    }

    private final Map<String, ObjectNode> kubernetesRoles = new ConcurrentHashMap<>();

    private VaultResponse kubernetesRole(String name) {
        return existing(kubernetesRoles, name);
    }

    private VaultResponse writeDatabaseConfig(VaultRequest r) {
        requireEnabled(mounts, "database/", r.path());
        String name = r.param("name");
        String plugin = r.text("plugin_name");
        if (plugin == null || plugin.isEmpty()) {
            throw new VaultError(400, "empty plugin name");
        }
        if (!"postgresql-database-plugin".equals(plugin)) {
            throw new VaultError(400, "the double only runs postgresql-database-plugin, not " + plugin);
        }
        String url = r.text("connection_url");
        if (url == null || !PG_URL.matcher(url).matches()) {
            throw new VaultError(400, "error creating database object: invalid connection_url");
        }
        String password = r.text("password");
        if (r.bool("verify_connection", true)) {
            try (Connection c = DriverManager.getConnection(jdbcUrl(url), r.text("username"),
                    password == null ? "" : password)) {
                c.isValid(2);
            } catch (SQLException e) {
                throw new VaultError(400, "error creating database object: error verifying connection: "
                        + e.getSQLState());
            }
        }
        ObjectNode stored = r.body().deepCopy();
        stored.remove("password");
        ObjectNode details = VaultResponse.object();
        details.put("connection_url", url);
        details.put("username", r.text("username"));
        stored.set("connection_details", details);
        stored.set("allowed_roles", array(list(r.body(), "allowed_roles")));
        databaseConfigs.put(name, stored);
        databasePasswords.put(name, password == null ? "" : password);
        return VaultResponse.noContent();
    }

    private VaultResponse writeDatabaseRole(VaultRequest r) {
        requireEnabled(mounts, "database/", r.path());
        String name = r.param("name");
        String db = r.text("db_name");
        if (db == null || db.isEmpty()) {
            throw new VaultError(400, "empty database name attribute");
        }
        ObjectNode config = databaseConfigs.get(db);
        if (config == null) {
            throw new VaultError(400, "unknown database connection: " + db);
        }
        Set<String> allowed = new LinkedHashSet<>(list(config, "allowed_roles"));
        if (!allowed.contains("*") && !allowed.contains(name)) {
            throw new VaultError(400, "\"" + name + "\" is not an allowed role");
        }
        List<String> creation = statements(r.body().get("creation_statements"));
        if (creation.isEmpty()) {
            throw new VaultError(400, "creation statements are required");
        }
        List<String> revocation = statements(r.body().get("revocation_statements"));
        if (revocation.isEmpty()) {
            revocation = List.of("REASSIGN OWNED BY \"{{name}}\" TO CURRENT_USER;", "DROP OWNED BY \"{{name}}\";",
                    "DROP ROLE IF EXISTS \"{{name}}\";");
        }
        Duration defaultTtl = ttl(r.text("default_ttl"), Duration.ofHours(768));
        Duration maxTtl = ttl(r.text("max_ttl"), Duration.ofHours(768));
        String url = config.get("connection_details").get("connection_url").asText();
        vault.database().role(name, new VaultDatabase.Role(jdbcUrl(url),
                config.get("connection_details").get("username").asText(), databasePasswords.get(db), creation,
                revocation, defaultTtl, maxTtl));
        ObjectNode stored = r.body().deepCopy();
        stored.set("creation_statements", array(creation));
        stored.set("revocation_statements", array(revocation));
        stored.put("default_ttl", defaultTtl.toSeconds());
        stored.put("max_ttl", maxTtl.toSeconds());
        databaseRoles.put(name, stored);
        return VaultResponse.noContent();
    }

    private static VaultResponse existing(Map<String, ObjectNode> map, String name) {
        ObjectNode o = map.get(name);
        if (o == null) {
            throw VaultError.notFound();
        }
        return VaultResponse.data(o.deepCopy());
    }

    private static VaultResponse keys(Set<String> names) {
        ObjectNode d = VaultResponse.object();
        ArrayNode k = d.putArray("keys");
        names.stream().sorted().forEach(k::add);
        return VaultResponse.data(d);
    }

    private static void requireEnabled(Map<String, Mount> table, String mount, String path) {
        if (!table.containsKey(mount)) {
            throw new VaultError(404, "no handler for route \"" + path + "\". route entry not found.");
        }
    }

    /** A Vault connection_url ({@code postgresql://{{username}}:{{password}}@host:port/db?sslmode=…}) as JDBC. */
    static String jdbcUrl(String connectionUrl) {
        Matcher m = PG_URL.matcher(connectionUrl);
        if (!m.matches()) {
            throw new VaultError(400, "error creating database object: invalid connection_url");
        }
        URI hostPort = URI.create("postgresql://" + m.group(1));
        return "jdbc:postgresql://" + hostPort.getHost() + ":" + (hostPort.getPort() < 0 ? 5432 : hostPort.getPort())
                + "/" + m.group(2) + (m.group(3) == null ? "" : "?" + m.group(3));
    }

    /** A field that Vault accepts as a JSON list or a comma-separated string. */
    static List<String> list(JsonNode body, String field) {
        JsonNode n = body.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(e -> out.add(e.asText()));
        } else {
            for (String s : n.asText().split(",")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    /** Statements: a JSON list of strings, or one string (Vault splits neither; each entry runs as one statement). */
    private static List<String> statements(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(e -> out.add(e.asText()));
        } else if (!n.asText().isBlank()) {
            out.add(n.asText());
        }
        return out;
    }

    /** A Vault duration: seconds as a number or string, or Go-style {@code 1h}, {@code 30m}, {@code 90s}, {@code 1h30m}. */
    static Duration ttl(String text, Duration dflt) {
        if (text == null || text.isBlank()) {
            return dflt;
        }
        if (text.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        Matcher m = Pattern.compile("(\\d+)([hms])").matcher(text);
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find()) {
            if (m.start() != at) {
                throw new VaultError(400, "invalid duration " + text);
            }
            at = m.end();
            long v = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(v);
                case "m" -> Duration.ofMinutes(v);
                default -> Duration.ofSeconds(v);
            });
        }
        if (at != text.length()) {
            throw new VaultError(400, "invalid duration " + text);
        }
        return d;
    }

    private static ArrayNode array(List<String> values) {
        ArrayNode a = VaultResponse.JSON.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
