package io.medhook.workflow.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An independent receiver: Node.js running {@code receiver.js} (test resources) with the official npm
 * {@code standardwebhooks} package, installed into {@code target/webhook-receiver} on first use
 * ({@code npm install --no-audit --no-fund standardwebhooks@1.1.1}). It listens on 127.0.0.2 (allow-listed for tests)
 * and verifies every delivery with the package; the test configures it and reads the hits over a control port.
 */
final class NodeWebhookReceiver implements AutoCloseable {

    static final String PACKAGE = "standardwebhooks@1.1.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final int deliveryPort;
    private final int controlPort;

    private NodeWebhookReceiver(Process process, int deliveryPort, int controlPort) {
        this.process = process;
        this.deliveryPort = deliveryPort;
        this.controlPort = controlPort;
    }

    static synchronized Path installed() throws IOException, InterruptedException {
        Path dir = Path.of("target", "webhook-receiver").toAbsolutePath();
        Files.createDirectories(dir);
        try (InputStream in = NodeWebhookReceiver.class.getResourceAsStream("/webhook-receiver/receiver.js")) {
            Files.copy(in, dir.resolve("receiver.js"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(dir.resolve("node_modules/standardwebhooks/package.json"))) {
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"medhook-webhook-receiver\",\"private\":true}");
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", PACKAGE).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("npm-install.log").toFile()).start();
            if (!npm.waitFor(180, TimeUnit.SECONDS) || npm.exitValue() != 0) {
                throw new IllegalStateException("npm install " + PACKAGE + " failed; see " + dir.resolve(
                        "npm-install.log"));
            }
        }
        return dir;
    }

    static NodeWebhookReceiver start() throws IOException, InterruptedException {
        Path dir = installed();
        Process p = new ProcessBuilder("node", "receiver.js", "127.0.0.2").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            p.destroyForcibly();
            throw new IllegalStateException("the Node receiver did not start");
        }
        JsonNode ports = JSON.readTree(line);
        return new NodeWebhookReceiver(p, ports.get("deliveryPort").asInt(), ports.get("controlPort").asInt());
    }

    String url(String path) {
        return "http://127.0.0.2:" + deliveryPort + path;
    }

    /** Sets any of {secrets, status, delayMs, headers, body, down}. */
    NodeWebhookReceiver configure(Map<String, Object> settings) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + controlPort
                + "/config")).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(settings)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("receiver control answered " + r.statusCode());
        }
        return this;
    }

    List<JsonNode> hits() throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + controlPort
                + "/hits")).GET().build(), HttpResponse.BodyHandlers.ofString());
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(out::add);
        return out;
    }

    List<JsonNode> await(int n, Duration timeout) throws IOException, InterruptedException {
        Instant end = Instant.now().plus(timeout);
        List<JsonNode> h = hits();
        while (h.size() < n && Instant.now().isBefore(end)) {
            Thread.sleep(25);
            h = hits();
        }
        return h;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
