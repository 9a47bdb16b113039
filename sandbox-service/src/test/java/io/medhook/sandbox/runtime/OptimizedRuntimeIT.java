package io.medhook.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged service started the way {@code MEDHOOK_SANDBOX_RUNTIME=optimized} starts it, on the JDK running this
 * build: the Graal compiler jars in {@code target/graal-compiler} must really compile on it. When a JDK update no longer
 * matches them this fails with the service's own reason, before anything is deployed.
 */
class OptimizedRuntimeIT {

    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");
    private static final Duration START = Duration.ofSeconds(120);

    @Test
    void compilesWithTheGraalCompilerJarsOnThisJdk() throws Exception {
        Path target = Path.of("target");
        Path jar = target.resolve("quarkus-app/quarkus-run.jar");
        Path compiler = target.resolve("graal-compiler");
        assertTrue(Files.isRegularFile(jar) && Files.isDirectory(compiler), "package sandbox-service first");
        Path log = target.resolve("optimized-runtime-it.log");
        // fixed free ports: with the management interface on, an HTTP port of 0 makes Micrometer's Prometheus registry
        // refuse the second server's meters at bind time (different tag keys) and the service never starts listening
        int httpPort = freePort();
        int managementPort = freePort();
        Process service = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UnlockExperimentalVMOptions", "-XX:+EnableJVMCI",
                "--upgrade-module-path=" + compiler.toAbsolutePath(),
                "-Dquarkus.http.port=" + httpPort, "-Dquarkus.http.host=127.0.0.1",
                // health and metrics are on the management interface: a free port of its own
                "-Dquarkus.management.port=" + managementPort, "-Dquarkus.management.host=127.0.0.1",
                "-jar", jar.toAbsolutePath().toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + START.toNanos();
            int port = 0;
            HttpResponse<String> ready = null;
            while (System.nanoTime() < deadline && service.isAlive()) {
                if (port == 0) {
                    Matcher m = LISTENING.matcher(read(log));
                    port = m.find() ? Integer.parseInt(m.group(1)) : 0;
                }
                if (port != 0) {
                    ready = get(http, managementPort, "/q/health/ready");
                    if (ready.statusCode() == 200 || !ready.body().contains("checking which runtime")) {
                        break;
                    }
                }
                Thread.sleep(250);
            }
            if (ready == null) {
                fail("the service did not start; its log:\n" + read(log));
            }
            assertEquals(200, ready.statusCode(), "not ready: " + ready.body());
            assertTrue(ready.body().contains("\"mode\": \"optimized\""), ready.body());
            assertTrue(get(http, managementPort, "/q/metrics").body()
                    .contains("medhook_sandbox_runtime{mode=\"optimized\",requested=\"optimized\"} 1.0"));
            assertTrue(read(log).contains("GraalJS runtime: optimized (requested optimized)"), read(log));
        } finally {
            service.destroy();
            if (!service.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
