package io.medhook.auth.oidc;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts a real Keycloak (the {@code keycloak-quarkus-dist} zip Maven unpacks into {@code target/keycloak}) in dev
 * mode on 127.0.0.1 with an in-memory database and the realm of {@code keycloak/medhook-realm.json}, once per test
 * run, and points two MedHook providers at it: {@code keycloak} (sign-up allowed) and {@code partner} (sign-up only
 * for verified {@code example.org} addresses). Client secrets are generated per run; tests put them into the secrets
 * interface. The application gets a fixed free port so the realm can register exact redirect URIs.
 */
public class KeycloakTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String REALM = "medhook";
    static final String VERSION = "26.7.3";
    /** System properties through which the tests learn the run's values. */
    static final String SECRET_PREFIX = "medhook.test.oidc.secret.";
    static final String KEYCLOAK_URL = "medhook.test.oidc.keycloak-url";
    static final String APP_URL = "medhook.test.oidc.app-url";
    static final String START_MILLIS = "medhook.test.oidc.keycloak-start-ms";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private Process process;

    @Override
    public Map<String, String> start() {
        try {
            Path home = Path.of("target", "keycloak", "keycloak-" + VERSION).toAbsolutePath();
            if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
                throw new IllegalStateException("Keycloak is not unpacked at " + home
                        + " (the process-test-resources phase does it)");
            }
            int kcPort = freePort();
            int appPort = freePort();
            String appUrl = "http://127.0.0.1:" + appPort;
            String kcUrl = "http://127.0.0.1:" + kcPort;
            String authSecret = random();
            String partnerSecret = random();

            String realm;
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("keycloak/medhook-realm.json")) {
                realm = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .replace("@APP_URL@", appUrl)
                        .replace("@SECRET_MEDHOOK_AUTH@", authSecret)
                        .replace("@SECRET_MEDHOOK_PARTNER@", partnerSecret);
            }
            Path importDir = home.resolve("data/import");
            Files.createDirectories(importDir);
            try (Stream<Path> old = Files.list(importDir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            Files.writeString(importDir.resolve("medhook-realm.json"), realm);

            Path log = Path.of("target", "keycloak-test.log").toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-host=127.0.0.1", "--http-port=" + kcPort, "--db=dev-mem", "--import-realm")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().remove("KC_BOOTSTRAP_ADMIN_USERNAME");
            pb.environment().remove("KC_BOOTSTRAP_ADMIN_PASSWORD");
            long t0 = System.nanoTime();
            process = pb.start();
            awaitReady(kcUrl + "/realms/" + REALM + "/.well-known/openid-configuration", log);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("[tests] Keycloak %s ready on %s in %d ms%n", VERSION, kcUrl, ms);

            System.setProperty(SECRET_PREFIX + "keycloak", authSecret);
            System.setProperty(SECRET_PREFIX + "partner", partnerSecret);
            System.setProperty(KEYCLOAK_URL, kcUrl);
            System.setProperty(APP_URL, appUrl);
            System.setProperty(START_MILLIS, Long.toString(ms));

            String issuer = kcUrl + "/realms/" + REALM;
            Map<String, String> cfg = new HashMap<>();
            cfg.put("quarkus.http.test-port", Integer.toString(appPort));
            // the management interface needs a real port too: Micrometer tags a server's meters with server.port only
            // when its port is above 0, and Prometheus refuses one meter name with two sets of tag keys, so a fixed
            // API port beside a management port of 0 fails at bind time
            cfg.put("quarkus.management.test-port", Integer.toString(freePort()));
            cfg.put("medhook.auth.oidc.public-url", appUrl);
            cfg.put("medhook.auth.oidc.providers.keycloak.issuer", issuer);
            cfg.put("medhook.auth.oidc.providers.keycloak.client-id", "medhook-auth");
            cfg.put("medhook.auth.oidc.providers.keycloak.display-name", "Keycloak");
            cfg.put("medhook.auth.oidc.providers.keycloak.create-users", "true");
            cfg.put("medhook.auth.oidc.providers.partner.issuer", issuer);
            cfg.put("medhook.auth.oidc.providers.partner.client-id", "medhook-partner");
            cfg.put("medhook.auth.oidc.providers.partner.display-name", "Partner <SSO>");
            cfg.put("medhook.auth.oidc.providers.partner.allowed-email-domains", "example.org");
            return cfg;
        } catch (IOException | InterruptedException e) {
            stop();
            throw new IllegalStateException("cannot start Keycloak: " + e.getMessage(), e);
        }
    }

    private void awaitReady(String url, Path log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Keycloak not ready after " + READY_TIMEOUT.toSeconds() + " s; see " + log);
    }

    @Override
    public void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            for (ProcessHandle c : children) {
                c.onExit().get(20, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        process = null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
