package io.medhook.testing;

import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Gives the application under test a database of its own on the PostgreSQL of this machine (MEDHOOK_DB_URL, else
 * 127.0.0.1:5432, else an embedded one), created fresh for the test run and dropped after it, plus a fresh local
 * secrets directory.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private PgTarget target;
    private String database;

    @Override
    public Map<String, String> start() {
        try {
            target = LocalPostgres.resolveForTests(System.getenv());
            database = "mh_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            LocalPostgres.ensureDatabases(target, database);
            Path secrets = Files.createTempDirectory("medhook-test-secrets");
            Map<String, String> cfg = new HashMap<>();
            cfg.put("quarkus.datasource.reactive.url", target.reactiveUrl(database));
            cfg.put("quarkus.datasource.jdbc.url", target.jdbcUrl(database));
            cfg.put("quarkus.datasource.username", target.user());
            if (target.password() != null) {
                cfg.put("quarkus.datasource.password", target.password());
            }
            cfg.put("medhook.secrets.local-dir", secrets.toString());
            System.setProperty("medhook.test.db", database);
            System.setProperty("medhook.test.jdbc-url", target.jdbcUrl(database));
            System.setProperty("medhook.test.db-user", target.user());
            return cfg;
        } catch (Exception e) {
            throw new IllegalStateException("no PostgreSQL for tests: " + e.getMessage(), e);
        }
    }

    /** The server the database is on (after {@link #start()}), for subclasses that need more than a database. */
    protected PgTarget target() {
        return target;
    }

    @Override
    public void stop() {
        if (target != null && database != null) {
            try {
                LocalPostgres.dropDatabase(target, database);
            } catch (Exception e) {
                System.err.println("[tests] could not drop " + database + ": " + e.getMessage());
            }
        }
    }

    /** A JDBC connection to the database of the running test application, for direct checks. */
    public static java.sql.Connection jdbc() throws java.sql.SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", System.getProperty("medhook.test.db-user"));
        String pw = System.getenv("MEDHOOK_DB_PASSWORD");
        if (pw != null) {
            p.setProperty("password", pw);
        }
        return java.sql.DriverManager.getConnection(System.getProperty("medhook.test.jdbc-url"), p);
    }
}
