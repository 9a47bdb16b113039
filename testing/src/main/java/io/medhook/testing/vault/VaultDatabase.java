package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database secrets engine of the {@link VaultDouble} for PostgreSQL, following Vault 1.18's API:
 * {@code <mount>/creds/<role>} creates a real login role on the configured PostgreSQL server by running the role's
 * creation statements ({@code {{name}}}, {@code {{password}}}, {@code {{expiration}}} substituted as Vault does) and
 * answers it with a lease; {@code sys/leases/renew} moves {@code VALID UNTIL}, {@code sys/leases/revoke} (and
 * {@link VaultDouble#close()}) runs the revocation statements.
 */
public final class VaultDatabase {

    /**
     * A database role (as {@code <mount>/roles/<name>} with its {@code <mount>/config/<connection>} would configure
     * it): the admin connection, statements and lease times.
     */
    public record Role(String jdbcUrl, String adminUser, String adminPassword, List<String> creationStatements,
            List<String> revocationStatements, Duration defaultTtl, Duration maxTtl) {

        /** Vault's documented example statements for PostgreSQL plus {@code grants} run after the create. */
        public static Role postgres(String jdbcUrl, String adminUser, String adminPassword, List<String> grants,
                Duration ttl) {
            List<String> create = new java.util.ArrayList<>();
            create.add("CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';");
            create.addAll(grants);
            return new Role(jdbcUrl, adminUser, adminPassword, List.copyOf(create),
                    List.of("REASSIGN OWNED BY \"{{name}}\" TO CURRENT_USER;", "DROP OWNED BY \"{{name}}\";",
                            "DROP ROLE IF EXISTS \"{{name}}\";"),
                    ttl, ttl.multipliedBy(24));
        }
    }

    /** A lease handed out. */
    record Lease(String id, String role, String username, Instant expires, Duration ttl) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxx")
            .withZone(ZoneOffset.UTC);

    private final String mount;
    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    VaultDatabase(String mount) {
        this.mount = mount;
    }

    void register(VaultDouble vault) {
        vault.builtin("GET", mount + "/creds/{role}", this::creds);
    }

    /** Configures (or replaces) a role. */
    public void role(String name, Role role) {
        roles.put(name, role);
    }

    /** The usernames of the leases that are currently live. */
    public List<String> liveUsernames() {
        return leases.values().stream().map(Lease::username).sorted().toList();
    }

    private VaultResponse creds(VaultRequest r) {
        String name = r.param("role");
        Role role = roles.get(name);
        if (role == null) {
            throw new VaultError(400, "unknown role: " + name);
        }
        String display = r.tokenInfo() == null ? "token" : r.tokenInfo().displayName().replaceAll("[^a-zA-Z0-9-]", "-");
        String username = ("v-" + truncate(display, 8) + "-" + truncate(name, 8) + "-" + random(20) + "-"
                + Instant.now().getEpochSecond());
        username = truncate(username, 63);
        String password = "A1a-" + random(16);
        Instant expires = Instant.now().plus(role.defaultTtl());
        run(role, role.creationStatements(), username, password, expires);
        String leaseId = mount + "/creds/" + name + "/" + VaultTokens.random(18);
        leases.put(leaseId, new Lease(leaseId, name, username, expires, role.defaultTtl()));
        ObjectNode d = VaultResponse.object();
        d.put("username", username);
        d.put("password", password);
        return VaultResponse.lease(d, leaseId, true, role.defaultTtl().toSeconds());
    }

    /** {@code sys/leases/renew}: returns the new TTL in seconds. */
    long renew(String leaseId, Duration increment) {
        Lease l = leases.get(leaseId);
        if (l == null) {
            throw new VaultError(400, "lease not found");
        }
        Role role = roles.get(l.role());
        Duration by = increment == null || increment.isZero() ? l.ttl() : increment;
        if (by.compareTo(role.maxTtl()) > 0) {
            by = role.maxTtl();
        }
        Instant expires = Instant.now().plus(by);
        run(role, List.of("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}';"), l.username(), null, expires);
        leases.put(leaseId, new Lease(leaseId, l.role(), l.username(), expires, l.ttl()));
        return by.toSeconds();
    }

    /** {@code sys/leases/lookup}: the lease when it is known. */
    Lease lookup(String leaseId) {
        Lease l = leases.get(leaseId);
        if (l == null) {
            throw new VaultError(400, "invalid lease");
        }
        return l;
    }

    /** {@code sys/leases/revoke}: drops the login role. */
    void revoke(String leaseId) {
        Lease l = leases.remove(leaseId);
        if (l != null) {
            run(roles.get(l.role()), roles.get(l.role()).revocationStatements(), l.username(), null, Instant.now());
        }
    }

    boolean owns(String leaseId) {
        return leases.containsKey(leaseId);
    }

    void revokeAll() {
        for (String id : List.copyOf(leases.keySet())) {
            try {
                revoke(id);
            } catch (RuntimeException e) {
                System.err.println("[vault double] could not revoke a database lease: " + e.getMessage());
            }
        }
    }

    private static void run(Role role, List<String> statements, String username, String password, Instant expires) {
        Properties p = new Properties();
        p.setProperty("user", role.adminUser());
        if (role.adminPassword() != null) {
            p.setProperty("password", role.adminPassword());
        }
        try (Connection c = DriverManager.getConnection(role.jdbcUrl(), p); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s.replace("{{name}}", username)
                        .replace("{{username}}", username)
                        .replace("{{password}}", password == null ? "" : password)
                        .replace("{{expiration}}", PG_TIME.format(expires)));
            }
        } catch (SQLException e) {
            // Vault answers 500 with the plugin's error; the SQL state says what failed without the statement text
            throw new VaultError(500, "1 error occurred:\n\t* database statement failed (SQLSTATE " + e.getSQLState()
                    + ")\n\n");
        }
    }

    private static String random(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return b.toString();
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
