package io.medhook.localpg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The PostgreSQL choice of local runs and tests: the server named by {@code MEDHOOK_DB_URL}, else the one answering on
 * 127.0.0.1:5432, else an embedded PostgreSQL (zonky) started here, so a machine with only a JDK works.
 */
public final class LocalPostgres {

    private static final Pattern DB_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static EmbeddedPostgres embedded;

    private LocalPostgres() {
    }

    /** The configured or local server, or null when neither is there (then start an embedded one). */
    public static PgTarget findExisting(Map<String, String> env) {
        String url = env.get("MEDHOOK_DB_URL");
        if (url != null && !url.isBlank()) {
            return PgTarget.parse(url, env.get("MEDHOOK_DB_USER"), env.get("MEDHOOK_DB_PASSWORD"));
        }
        if (answers("127.0.0.1", 5432)) {
            PgTarget local = new PgTarget("127.0.0.1", 5432,
                    env.getOrDefault("MEDHOOK_DB_USER", "postgres"), env.get("MEDHOOK_DB_PASSWORD"), "local");
            try (Connection c = connect(local, "postgres")) {
                return local;
            } catch (SQLException e) {
                System.err.println("[local-postgres] 127.0.0.1:5432 answers but refuses " + local.user()
                        + " (" + e.getSQLState() + "); using an embedded PostgreSQL instead");
            }
        }
        return null;
    }

    /** Resolves the server for this JVM, starting an embedded one (once per JVM) when needed. */
    public static synchronized PgTarget resolveForTests(Map<String, String> env) throws IOException {
        PgTarget existing = findExisting(env);
        if (existing != null) {
            return existing;
        }
        if (embedded == null) {
            embedded = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // shutting down
                }
            }));
        }
        return new PgTarget("127.0.0.1", embedded.getPort(), "postgres", null, "embedded");
    }

    /** Starts an embedded server on {@code port} keeping its data in {@code dataDir} (kept across restarts). */
    public static EmbeddedPostgres startEmbedded(Path dataDir, int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    public static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static Connection connect(PgTarget t, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", t.user());
        if (t.password() != null) {
            p.setProperty("password", t.password());
        }
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(t.jdbcUrl(database), p);
    }

    /** Creates each database that does not exist yet; returns how many it created. */
    public static int ensureDatabases(PgTarget t, String... names) throws SQLException {
        for (String name : names) {
            requireName(name);
        }
        int created = 0;
        try (Connection c = connect(t, "postgres")) {
            for (String name : names) {
                try (PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            continue;
                        }
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute("create database " + name);
                    created++;
                } catch (SQLException e) {
                    if (!"42P04".equals(e.getSQLState())) { // duplicate_database: someone else made it first
                        throw e;
                    }
                }
            }
        }
        return created;
    }

    /**
     * Creates each login role that does not exist yet (no superuser, no CREATEDB, no CREATEROLE; the server's password
     * as its password when the server has one) and returns how many it created. Roles are cluster-wide: local runs and
     * tests share them, and the migrations of each database grant them what they may do there.
     */
    public static int ensureLoginRoles(PgTarget t, String... roles) throws SQLException {
        for (String role : roles) {
            requireName(role);
        }
        int created = 0;
        try (Connection c = connect(t, "postgres")) {
            for (String role : roles) {
                try (PreparedStatement ps = c.prepareStatement("select 1 from pg_roles where rolname = ?")) {
                    ps.setString(1, role);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            continue;
                        }
                    }
                }
                String ddl;
                try (PreparedStatement ps = c.prepareStatement(t.password() == null
                        ? "select format('create role %I login nosuperuser nocreatedb nocreaterole', ?::text)"
                        : "select format('create role %I login nosuperuser nocreatedb nocreaterole password %L',"
                                + " ?::text, ?::text)")) {
                    ps.setString(1, role);
                    if (t.password() != null) {
                        ps.setString(2, t.password());
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        ddl = rs.getString(1);
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute(ddl);
                    created++;
                } catch (SQLException e) {
                    if (!"42710".equals(e.getSQLState())) { // duplicate_object: someone else made it first
                        throw e;
                    }
                }
            }
        }
        return created;
    }

    public static void dropDatabase(PgTarget t, String name) throws SQLException {
        requireName(name);
        try (Connection c = connect(t, "postgres"); Statement st = c.createStatement()) {
            st.execute("drop database if exists " + name + " with (force)");
        }
    }

    private static void requireName(String name) {
        if (!DB_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid database or role name: " + name);
        }
    }
}
