package io.medhook.bench.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Two measurements against a running workflow-service (started by run.sh):
 * <ol>
 * <li><b>throughput</b>: {@code --deliveries} deliveries to {@code --endpoints} endpoints, all due at one instant;
 * signed deliveries per second = deliveries / (last receipt − first receipt) at a loopback receiver (this JVM,
 * 127.0.0.2) that verifies every signature (HMAC-SHA256 per Standard Webhooks) and answers 204;</li>
 * <li><b>retry lateness</b>: a backlog of {@code --backlog} pending retries (attempted once, next attempt in a day),
 * then {@code --retries} pending retries due evenly over {@code --retry-window} seconds, each carrying its due time;
 * lateness = receipt − due, as percentiles.</li>
 * </ol>
 * Endpoints are created through the API (their secrets are real, sealed); the deliveries are inserted with SQL as
 * execution events are (clear bodies), so the measurement is the dispatcher's: claim, sign, send, record.
 */
public final class WebhookBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger badSignatures = new AtomicInteger();
    private final AtomicLong firstReceipt = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastReceipt = new AtomicLong();
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final ConcurrentLinkedQueue<Long> lateness = new ConcurrentLinkedQueue<>();

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String s : argv) {
            a.put(s.substring(2, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        new WebhookBench().run(a);
    }

    private void run(Map<String, String> a) throws Exception {
        String auth = a.get("auth-url");
        String workflow = a.get("workflow-url");
        int endpoints = Integer.parseInt(a.getOrDefault("endpoints", "20"));
        int deliveries = Integer.parseInt(a.getOrDefault("deliveries", "20000"));
        int backlog = Integer.parseInt(a.getOrDefault("backlog", "100000"));
        int retries = Integer.parseInt(a.getOrDefault("retries", "3000"));
        int window = Integer.parseInt(a.getOrDefault("retry-window", "30"));
        String password = Files.readString(Path.of(a.get("admin-password-file"))).strip();

        String token = login(auth, password);
        JsonNode ws = post(auth + "/api/v1/workspaces", token, Map.of("name", "webhook-bench", "kind", "sandbox"));
        String wsId = ws.get("id").asText();
        token = login(auth, password); // a token that carries the new membership

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 512);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        int port = server.getAddress().getPort();
        List<String> endpointIds = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            JsonNode ep = post(workflow + "/api/v1/workspaces/" + wsId + "/webhook-endpoints", token,
                    Map.of("url", "http://127.0.0.2:" + port + "/e/" + i, "eventTypes", List.of("bench")));
            keys.put("/e/" + i, Base64.getDecoder().decode(ep.get("secret").asText().substring("whsec_".length())));
            endpointIds.add(ep.get("id").asText());
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("endpoints", endpoints);
        try (Connection db = DriverManager.getConnection(a.get("jdbc-url"), a.get("user"), a.getOrDefault("password",
                ""))) {
            // 1. throughput
            long dueAt = System.currentTimeMillis() + 3000;
            insert(db, wsId, endpointIds, deliveries, i -> dueAt, 0, "bench");
            long deadline = System.currentTimeMillis() + 600_000;
            while (received.get() < deliveries && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            long spanMs = lastReceipt.get() - firstReceipt.get();
            ObjectNode t = out.putObject("throughput");
            t.put("deliveries", deliveries);
            t.put("received", received.get());
            t.put("duplicates", duplicates.get());
            t.put("badSignatures", badSignatures.get());
            t.put("firstToLastMs", spanMs);
            t.put("deliveriesPerSecond", spanMs <= 0 ? 0 : Math.round(deliveries * 1000.0 / spanMs));
            t.put("succeededInDb", count(db, "select count(*) from webhook_delivery where status = 'succeeded'"));
            waitRecorded(db, deliveries);
            t.put("succeededInDbAfterSettle", count(db,
                    "select count(*) from webhook_delivery where status = 'succeeded'"));

            // 2. lateness of scheduled retries under a backlog of pending retries
            long b0 = System.currentTimeMillis();
            insert(db, wsId, endpointIds, backlog, i -> System.currentTimeMillis() + 86_400_000L, 1, "backlog");
            ObjectNode l = out.putObject("lateness");
            l.put("backlogPendingRetries", count(db, "select count(*) from webhook_delivery where status = 'pending'"));
            l.put("backlogInsertMs", System.currentTimeMillis() - b0);
            exec(db, "analyze webhook_delivery");
            int before = received.get();
            lateness.clear();
            long start = System.currentTimeMillis() + 5000;
            double step = window * 1000.0 / retries;
            insert(db, wsId, endpointIds, retries, i -> start + Math.round(i * step), 1, "retry");
            deadline = System.currentTimeMillis() + 5000 + window * 1000L + 120_000;
            while (received.get() < before + retries && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            List<Long> ls = new ArrayList<>(lateness);
            Collections.sort(ls);
            l.put("retries", retries);
            l.put("windowSeconds", window);
            l.put("received", ls.size());
            l.put("p50Ms", pct(ls, 0.50));
            l.put("p90Ms", pct(ls, 0.90));
            l.put("p99Ms", pct(ls, 0.99));
            l.put("maxMs", ls.isEmpty() ? -1 : ls.get(ls.size() - 1));
            l.put("earlyCount", ls.stream().filter(x -> x < 0).count());
            l.put("badSignatures", badSignatures.get());
            l.put("duplicates", duplicates.get());
        }
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        Files.writeString(Path.of(a.get("out")), text);
        System.out.println(text);
    }

    private void waitRecorded(Connection db, int n) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(db, "select count(*) from webhook_delivery where status = 'succeeded'") < n
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
    }

    private static long pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** Inserts n deliveries round-robin over the endpoints; data.due is each one's due time (epoch ms). */
    private static void insert(Connection db, String ws, List<String> endpoints, int n,
            java.util.function.IntToLongFunction due, int attempts, String kind) throws Exception {
        db.setAutoCommit(false);
        try (PreparedStatement ps = db.prepareStatement("""
                insert into webhook_delivery (id, workspace_id, endpoint_id, msg_id, event_type, body, body_sealed,
                                              status, attempts, retry_index, next_attempt_at, created_at)
                values (?, ?::uuid, ?::uuid, ?, 'bench', ?, false, 'pending', ?, ?, ?, now())""")) {
            for (int i = 0; i < n; i++) {
                UUID id = UUID.randomUUID();
                long d = due.applyAsLong(i);
                String body = "{\"type\":\"bench\",\"timestamp\":\"" + java.time.Instant.ofEpochMilli(d)
                        + "\",\"data\":{\"kind\":\"" + kind + "\",\"i\":" + i + ",\"due\":" + d + "}}";
                ps.setObject(1, id);
                ps.setString(2, ws);
                ps.setString(3, endpoints.get(i % endpoints.size()));
                ps.setString(4, "msg_" + id.toString().replace("-", ""));
                ps.setBytes(5, body.getBytes(StandardCharsets.UTF_8));
                ps.setInt(6, attempts);
                ps.setInt(7, attempts);
                ps.setTimestamp(8, new Timestamp(d));
                ps.addBatch();
                if (i % 1000 == 999) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        db.commit();
        db.setAutoCommit(true);
    }

    private static long count(Connection db, String sql) throws Exception {
        try (ResultSet rs = db.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(Connection db, String sql) throws Exception {
        db.createStatement().execute(sql);
    }

    private void handle(HttpExchange ex) throws IOException {
        long now = System.currentTimeMillis();
        byte[] body = ex.getRequestBody().readAllBytes();
        String id = ex.getRequestHeaders().getFirst("webhook-id");
        String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
        String sig = ex.getRequestHeaders().getFirst("webhook-signature");
        byte[] key = keys.get(ex.getRequestURI().getPath());
        if (key == null || id == null || ts == null || sig == null || !verify(key, id, ts, body, sig)) {
            badSignatures.incrementAndGet();
        }
        if (!ids.add(id == null ? "" : id)) {
            duplicates.incrementAndGet();
        }
        String s = new String(body, StandardCharsets.UTF_8);
        if (s.contains("\"kind\":\"retry\"")) {
            int i = s.indexOf("\"due\":") + 6;
            lateness.add(now - Long.parseLong(s.substring(i, s.indexOf('}', i))));
        }
        firstReceipt.accumulateAndGet(now, Math::min);
        lastReceipt.accumulateAndGet(now, Math::max);
        received.incrementAndGet();
        ex.sendResponseHeaders(204, -1);
        try (OutputStream os = ex.getResponseBody()) {
            os.flush();
        }
    }

    private static boolean verify(byte[] key, String id, String ts, byte[] body, String header) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = ("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)))
                    .getBytes(StandardCharsets.US_ASCII);
            for (String part : header.split(" ")) {
                if (MessageDigest.isEqual(expected, part.getBytes(StandardCharsets.US_ASCII))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static String login(String auth, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(auth + "/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("username", "admin",
                        "password", password)))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("login answered " + r.statusCode());
        }
        return JSON.readTree(r.body()).get("access_token").asText();
    }

    private static JsonNode post(String url, String token, Object body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization",
                "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
