package io.medhook.e2e;

import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The four packaged services ({@code target/quarkus-app/quarkus-run.jar}) started as real processes on free ports,
 * against fresh databases on this machine's PostgreSQL choice (MEDHOOK_DB_URL, 127.0.0.1:5432, or embedded), with
 * their own state directory. Started once for all end-to-end tests and stopped after the last one.
 */
public final class Suite implements ExtensionContext.Store.CloseableResource {

    public static final String ADMIN_PASSWORD = "e2e-Admin-Pass-" + UUID.randomUUID().toString().substring(0, 8);
    public static final List<String> SERVICES = List.of("auth-service", "audit-service", "sandbox-service",
            "workflow-service");

    private final Path root = Path.of(System.getProperty("medhook.root", "..")).toAbsolutePath().normalize();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    /** Management interface (health, metrics) of each process: a free port of its own, like the API port. */
    private final Map<String, Integer> managementPorts = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, String> databases = new LinkedHashMap<>();
    private final Path state;
    private final Path logs;
    private final PgTarget pg;
    private final String javaBin;

    /** Starts the suite once per test run and hands it to test methods that declare a {@code Suite} parameter. */
    public static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
            return p.getParameter().getType() == Suite.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
            return ctx.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Suite.class, k -> {
                try {
                    return new Suite();
                } catch (Exception e) {
                    throw new IllegalStateException("could not start the suite: " + e.getMessage(), e);
                }
            }, Suite.class);
        }
    }

    private Suite() throws Exception {
        javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        state = Files.createTempDirectory("medhook-e2e");
        logs = root.resolve("e2e/target/e2e-logs");
        Files.createDirectories(logs);
        pg = LocalPostgres.resolveForTests(System.getenv());
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        for (String s : List.of("auth-service", "workflow-service", "audit-service")) {
            databases.put(s, "mh_e2e_" + s.substring(0, s.indexOf('-')) + "_" + suffix);
        }
        LocalPostgres.ensureDatabases(pg, databases.values().toArray(String[]::new));
        // audit-service writes and prunes under roles of its own (its README, "Database roles"), like ./medhook up
        LocalPostgres.ensureLoginRoles(pg, "medhook_audit_writer", "medhook_audit_retention");
        for (String s : SERVICES) {
            ports.put(s, freePort());
            managementPorts.put(s, freePort());
        }
        for (String s : SERVICES) {
            start(s);
        }
        for (String s : SERVICES) {
            awaitReady(s, Duration.ofSeconds(120));
        }
    }

    public String url(String service) {
        return "http://127.0.0.1:" + ports.get(service);
    }

    /** Base URL of a process's management interface: {@code /q/health/*} and {@code /q/metrics} live there. */
    public String managementUrl(String service) {
        return "http://127.0.0.1:" + managementPorts.get(service);
    }

    /** An access token of the bootstrap admin (instance owner). */
    public String login() {
        return io.restassured.RestAssured.given().contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("username", "admin", "password", ADMIN_PASSWORD))
                .post(url("auth-service") + "/api/v1/auth/login")
                .then().statusCode(200)
                .extract().path("access_token");
    }

    /** Polls an execution until it reaches a final status (60 s at most). */
    public io.restassured.path.json.JsonPath awaitExecution(String token, String ws, String id)
            throws InterruptedException {
        Instant end = Instant.now().plusSeconds(60);
        io.restassured.path.json.JsonPath ex = null;
        while (Instant.now().isBefore(end)) {
            ex = io.restassured.RestAssured.given().auth().oauth2(token)
                    .get(url("workflow-service") + "/api/v1/workspaces/" + ws + "/executions/" + id)
                    .then().statusCode(200).extract().jsonPath();
            if (List.of("succeeded", "failed", "cancelled", "timed_out").contains(ex.getString("status"))) {
                return ex;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("execution not finished: " + (ex == null ? null : ex.prettify()));
    }

    public PgTarget postgres() {
        return pg;
    }

    public String database(String service) {
        return databases.get(service);
    }

    public void start(String s) throws IOException {
        start(s, s);
    }

    /**
     * Starts another process of {@code service} named {@code replica} (its own port and log file, the service's
     * database and secrets), as a second replica of a deployment would run.
     */
    public void startReplica(String replica, String service) throws IOException {
        ports.putIfAbsent(replica, freePort());
        managementPorts.putIfAbsent(replica, freePort());
        start(replica, service);
    }

    /** Ends a process at once, without a shutdown (SIGKILL, like {@code kill -9}). */
    public synchronized void kill(String name) throws InterruptedException {
        Process p = processes.remove(name);
        if (p != null) {
            p.destroyForcibly().waitFor();
        }
    }

    private void start(String name, String s) throws IOException {
        Path jar = root.resolve(s).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (./mvnw verify does)");
        }
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx384m", "-jar", jar.toString());
        Map<String, String> env = pb.environment();
        env.put("QUARKUS_PROFILE", "local");
        env.put("QUARKUS_HTTP_PORT", String.valueOf(ports.get(name)));
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPorts.get(name)));
        env.put("MEDHOOK_SECRETS_LOCAL_DIR", state.resolve("secrets").toString());
        env.put("MEDHOOK_SECURITY_AUTH_URL", url("auth-service"));
        env.put("MEDHOOK_AUDIT_CLIENT_URL", url("audit-service"));
        env.put("QUARKUS_REST_CLIENT_SANDBOX_URL", url("sandbox-service"));
        env.put("MEDHOOK_WORKFLOW_PUBLIC_URL", url("workflow-service"));
        env.put("MEDHOOK_AUTH_USAGE_WORKFLOW_URL", url("workflow-service"));
        env.put("MEDHOOK_AUTH_BOOTSTRAP_PASSWORD_FILE", state.resolve("admin-password").toString());
        env.put("MEDHOOK_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("MEDHOOK_EGRESS_ALLOWED_CIDRS", "127.0.0.2/32");
        String db = databases.get(s);
        if (db != null) {
            env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl(db));
            env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl(db));
            env.put("QUARKUS_DATASOURCE_USERNAME", pg.user());
            if (pg.password() != null) {
                env.put("QUARKUS_DATASOURCE_PASSWORD", pg.password());
                env.put("QUARKUS_DATASOURCE_WRITER_PASSWORD", pg.password());
                env.put("QUARKUS_DATASOURCE_RETENTION_PASSWORD", pg.password());
            }
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()));
        processes.put(name, pb.start());
    }

    public void stop(String s) throws InterruptedException {
        Process p = processes.remove(s);
        if (p != null) {
            p.destroy();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    public void awaitReady(String s, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            Process p = processes.get(s);
            if (p != null && !p.isAlive()) {
                throw new IllegalStateException(s + " exited with " + p.exitValue() + "; see " + logs.resolve(s + ".log"));
            }
            if (status(managementUrl(s) + "/q/health/ready") == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(s + " not ready in " + timeout + "; see " + logs.resolve(s + ".log"));
    }

    /** All log lines the services wrote so far. */
    public String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String s : SERVICES) {
            Path f = logs.resolve(s + ".log");
            if (Files.exists(f)) {
                sb.append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    static int status(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(3000);
            return c.getResponseCode();
        } catch (IOException e) {
            return 0;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Throwable {
        List<String> reversed = new ArrayList<>(processes.keySet());
        java.util.Collections.reverse(reversed);
        for (String s : reversed) {
            stop(s);
        }
        for (String db : databases.values()) {
            try {
                LocalPostgres.dropDatabase(pg, db);
            } catch (Exception e) {
                System.err.println("[e2e] could not drop " + db + ": " + e.getMessage());
            }
        }
    }
}
