package io.medhook.bench.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workflow benchmark's three steps, run by {@code run.sh}:
 * <ul>
 * <li>{@code setup}: logs in to MedHook as the bootstrap admin and creates the workflow (webhook → code → http to the
 * receiver) in the sandbox workspace; writes its webhook URL to {@code --out};</li>
 * <li>{@code load}: starts the receiver, then {@code --clients} closed-loop clients, each on its own keep-alive
 * HTTP/1.1 connection: POST {@code {"id","n"}} to {@code --url}, wait until the receiver has the transformed message
 * for that id, next. One completion = the source's request through the flow to the destination. Latency = from
 * sending the request to the receiver reading the message (one clock, one process). Writes {@code --out} JSON;</li>
 * <li>{@code report}: the side-by-side table ({@code results.md}) from the JSON files in {@code --dir}.</li>
 * </ul>
 */
public final class WorkflowBench {

    static final ObjectMapper JSON = new ObjectMapper();

    private WorkflowBench() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = args(argv);
        switch (argv.length == 0 ? "" : argv[0]) {
            case "setup" -> setup(a);
            case "load" -> load(a);
            case "report" -> report(a);
            default -> throw new IllegalArgumentException("first argument: setup | load | report");
        }
    }

    // --- setup ---------------------------------------------------------------------------------------------------

    static void setup(Map<String, String> a) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String password = Files.readString(Path.of(a.get("password-file"))).strip();
        JsonNode login = send(http, "POST", a.get("auth") + "/api/v1/auth/login", null,
                JSON.createObjectNode().put("username", "admin").put("password", password), 200);
        String token = login.get("access_token").asText();
        JsonNode spaces = send(http, "GET", a.get("auth") + "/api/v1/workspaces", token, null, 200);
        JsonNode items = spaces.isArray() ? spaces : spaces.has("items") ? spaces.get("items") : spaces.get("workspaces");
        String ws = null;
        for (JsonNode w : items) {
            if ("sandbox".equals(w.path("kind").asText())) {
                ws = w.get("id").asText();
            }
        }
        if (ws == null) {
            throw new IllegalStateException("no sandbox workspace");
        }
        ObjectNode wf = JSON.createObjectNode();
        wf.put("name", "bench-" + System.currentTimeMillis());
        wf.putObject("trigger").put("type", "webhook");
        ArrayNode nodes = wf.putArray("nodes");
        nodes.addObject().put("id", "transform").put("type", "code").putObject("params")
                .put("source", "return {id: input.body.id, twice: input.body.n * 2};");
        nodes.addObject().put("id", "deliver").put("type", "http").putObject("params").put("method", "POST")
                .put("url", a.get("receiver"));
        wf.putArray("edges").addObject().put("from", "transform").put("to", "deliver");
        if (a.containsKey("payloads")) {
            wf.putObject("settings").put("payloads", a.get("payloads"));
        }
        JsonNode created = send(http, "POST", a.get("workflow") + "/api/v1/workspaces/" + ws + "/workflows", token, wf,
                201);
        String hook = created.get("webhookUrl").asText();
        Files.writeString(Path.of(a.get("out")), hook.startsWith("http") ? hook : a.get("workflow") + hook);
    }

    static JsonNode send(HttpClient http, String method, String url, String token, JsonNode body, int expect)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + url + " answered " + r.statusCode() + ": "
                    + r.body().substring(0, Math.min(300, r.body().length())));
        }
        return JSON.readTree(r.body());
    }

    // --- load ----------------------------------------------------------------------------------------------------

    /** Arrival times (nanoTime) by message id, completed by the receiver. */
    static final Map<String, CompletableFuture<Long>> WAITING = new ConcurrentHashMap<>();
    static final AtomicLong UNEXPECTED = new AtomicLong();

    static void load(Map<String, String> a) throws Exception {
        String target = a.get("target");
        URI url = URI.create(a.get("url"));
        int clients = Integer.parseInt(a.getOrDefault("clients", "32"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "10"));
        int duration = Integer.parseInt(a.getOrDefault("duration", "30"));
        int expect = Integer.parseInt(a.get("expect-status"));
        HttpServer receiver = receiver(a.get("receiver-host"), Integer.parseInt(a.get("receiver-port")));
        long start = System.nanoTime();
        long from = start + TimeUnit.SECONDS.toNanos(warmup);
        long until = from + TimeUnit.SECONDS.toNanos(duration);
        List<long[]> perClient = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong timeouts = new AtomicLong();
        AtomicLong completedInWindow = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<String> firstErrors = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long[] lat = new long[200_001]; // up to 200,000 completions per client, the count in the last slot
            perClient.add(lat);
            int client = c;
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                int n = 0;
                int seq = 0;
                while (System.nanoTime() < until) {
                    String id = "c" + client + "-" + seq++;
                    CompletableFuture<Long> arrived = new CompletableFuture<>();
                    WAITING.put(id, arrived);
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"n\":21}")).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != expect) {
                            errors.incrementAndGet();
                            synchronized (firstErrors) {
                                if (firstErrors.size() < 5) {
                                    firstErrors.add("status " + r.statusCode());
                                }
                            }
                            WAITING.remove(id);
                            Thread.sleep(50);
                            continue;
                        }
                        long at = arrived.get(30, TimeUnit.SECONDS);
                        if (sent >= from && at <= until && n < lat.length - 1) {
                            lat[n++] = at - sent;
                            completedInWindow.incrementAndGet();
                        }
                    } catch (TimeoutException e) {
                        timeouts.incrementAndGet();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        synchronized (firstErrors) {
                            if (firstErrors.size() < 5) {
                                firstErrors.add(e.getClass().getSimpleName());
                            }
                        }
                    } finally {
                        WAITING.remove(id);
                    }
                }
                lat[lat.length - 1] = n; // count kept in the last slot
            }, "client-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        receiver.stop(0);
        long total = 0;
        for (long[] l : perClient) {
            total += l[l.length - 1];
        }
        long[] all = new long[(int) total];
        int k = 0;
        for (long[] l : perClient) {
            int n = (int) l[l.length - 1];
            System.arraycopy(l, 0, all, k, n);
            k += n;
        }
        Arrays.sort(all);
        ObjectNode out = JSON.createObjectNode();
        out.put("target", target);
        out.put("clients", clients);
        out.put("warmupSeconds", warmup);
        out.put("durationSeconds", duration);
        out.put("completed", all.length);
        out.put("perSecond", all.length / (double) duration);
        out.put("p50Ms", pct(all, 0.50));
        out.put("p90Ms", pct(all, 0.90));
        out.put("p99Ms", pct(all, 0.99));
        out.put("maxMs", all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        out.put("errors", errors.get());
        out.put("timeouts", timeouts.get());
        out.put("unexpectedAtReceiver", UNEXPECTED.get());
        out.putPOJO("firstErrors", firstErrors);
        out.put("loadavg", Files.readString(Path.of("/proc/loadavg")).strip());
        Files.writeString(Path.of(a.get("out")), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        System.out.printf(Locale.ROOT, "%s: %.1f completions/s, p50 %.2f ms, p99 %.2f ms, errors %d, timeouts %d%n",
                target, all.length / (double) duration, pct(all, 0.5), pct(all, 0.99), errors.get(), timeouts.get());
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** The destination: reads each message, checks the transform, completes its id's future, answers 200. */
    static HttpServer receiver(String host, int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 512);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", ex -> {
            long at = System.nanoTime();
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            try {
                JsonNode m = JSON.readTree(body);
                CompletableFuture<Long> f = m == null ? null : WAITING.get(m.path("id").asText());
                if (f != null && m.path("twice").asInt() == 42) {
                    f.complete(at);
                } else {
                    UNEXPECTED.incrementAndGet();
                }
            } catch (IOException e) {
                UNEXPECTED.incrementAndGet();
            }
            byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        s.start();
        return s;
    }

    // --- report --------------------------------------------------------------------------------------------------

    static void report(Map<String, String> a) throws IOException {
        Path dir = Path.of(a.get("dir"));
        JsonNode peer = JSON.readTree(dir.resolve("node-red.json").toFile());
        JsonNode us = JSON.readTree(dir.resolve("medhook.json").toFile());
        double ratio = us.get("perSecond").asDouble() / Math.max(0.001, peer.get("perSecond").asDouble());
        StringBuilder md = new StringBuilder();
        md.append("| flow: webhook → code → HTTP POST | completions/s | p50 ms | p90 ms | p99 ms | errors | timeouts |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (JsonNode r : List.of(peer, us)) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.2f | %.2f | %d | %d |%n",
                    r.get("target").asText(), r.get("perSecond").asDouble(), r.get("p50Ms").asDouble(),
                    r.get("p90Ms").asDouble(), r.get("p99Ms").asDouble(), r.get("errors").asLong(),
                    r.get("timeouts").asLong()));
        }
        double perSecond = us.get("perSecond").asDouble();
        md.append(String.format(Locale.ROOT, "%nMedHook / Node-RED: %.2f× the completions per second.%n", ratio));
        md.append(String.format(Locale.ROOT,
                "Aims (issue 5): ≥ 660 executions/s (3× n8n's published 220/s; n8n does not install here) — %.1f/s: %s; "
                        + "p99 < 50 ms — %.2f ms: %s.%n",
                perSecond, perSecond >= 660 ? "met" : "**not met**", us.get("p99Ms").asDouble(),
                us.get("p99Ms").asDouble() < 50 ? "met" : "**not met**"));
        Files.writeString(dir.resolve("results.md"), md.toString());
        System.out.print(md);
    }

    static Map<String, String> args(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (String s : argv) {
            if (s.startsWith("--")) {
                int eq = s.indexOf('=');
                m.put(eq < 0 ? s.substring(2) : s.substring(2, eq), eq < 0 ? "true" : s.substring(eq + 1));
            }
        }
        return m;
    }
}
