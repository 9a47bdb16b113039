package io.medhook.bench.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Producers of audit events: {@code producers} threads, each POSTing batches of {@code batch} new events to
 * {@code /api/v1/audit/events/batch} over its own keep-alive HTTP/1.1 connection, with a service token (audience
 * {@code medhook-audit}) from auth-service's client-credentials grant, renewed every two minutes (tokens live five).
 * <p>
 * Closed loop by default: each producer sends its next batch when the previous answer arrived, so the figure is the
 * sustained rate of the chain. With {@code --rate=R} the producers pace themselves to R events per second in total (a
 * late answer is not made up for with a burst): the latency at a given load instead of at saturation.
 * <p>
 * A warm-up phase is discarded; a request counts in the measured window when its answer arrives inside it. Every
 * answer must be {@code 200 {"accepted":batch,"duplicates":0}}; anything else is an error.
 */
public final class IngestLoad {

    private IngestLoad() {
    }

    /** Latencies and counts of one producer. */
    private static final class Samples {
        long[] latency = new long[1 << 12];
        int n;
        long events;
        long bodyBytes;
        int errors;
        String lastError;

        void add(long nanos) {
            if (n == latency.length) {
                latency = Arrays.copyOf(latency, n * 2);
            }
            latency[n++] = nanos;
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        String label = a.getOrDefault("label", "ingest");
        URI url = URI.create(Args.required(a, "url"));
        URI tokenUrl = URI.create(Args.required(a, "token-url"));
        String clientId = Args.required(a, "client-id");
        String secret = Files.readString(Path.of(Args.required(a, "secret-file"))).strip();
        long pid = Long.parseLong(a.getOrDefault("pid", "0"));
        int producers = Integer.parseInt(a.getOrDefault("producers", "4"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "1000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "15"));
        int duration = Integer.parseInt(a.getOrDefault("duration", "30"));
        double rate = Double.parseDouble(a.getOrDefault("rate", "0"));
        int clkTck = Integer.parseInt(a.getOrDefault("clk-tck", "100"));
        Path out = Path.of(Args.required(a, "out"));

        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String basic = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret)
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest tokenRequest = HttpRequest.newBuilder(tokenUrl).timeout(Duration.ofSeconds(30))
                .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&audience=medhook-audit"))
                .build();
        AtomicReference<String> token = new AtomicReference<>(fetchToken(http, tokenRequest, json));
        Thread.ofPlatform().name("token-renewal").daemon().start(() -> {
            while (true) {
                try {
                    Thread.sleep(Duration.ofMinutes(2));
                    token.set(fetchToken(http, tokenRequest, json));
                } catch (Exception e) {
                    System.err.println("token renewal failed: " + e);
                }
            }
        });

        // one batch first: fail fast with a clear message when the endpoint does not accept
        AtomicLong sequence = new AtomicLong();
        String probe = body(sequence, batch);
        HttpResponse<String> first = http.send(post(url, token.get(), probe), HttpResponse.BodyHandlers.ofString());
        if (first.statusCode() != 200 || accepted(json, first.body()) != batch) {
            throw new IllegalStateException(label + ": ingest answered " + first.statusCode() + " to the probe batch: "
                    + first.body().substring(0, Math.min(300, first.body().length())));
        }

        long start = System.nanoTime();
        long windowStart = start + Duration.ofSeconds(warmup).toNanos();
        long windowEnd = windowStart + Duration.ofSeconds(duration).toNanos();
        long interval = rate > 0 ? (long) (1e9 * producers * batch / rate) : 0;
        List<Samples> all = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(producers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < producers; i++) {
            Samples s = new Samples();
            all.add(s);
            long firstSend = start + (interval * i) / producers;
            // one HttpClient per producer: its own keep-alive connection, as independent services would have
            HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Thread.ofPlatform().name("producer-" + i).daemon().start(() -> {
                try {
                    long next = firstSend;
                    while (true) {
                        if (interval > 0) {
                            sleepUntil(next);
                            next = Math.max(next + interval, System.nanoTime() - interval);
                        }
                        String b = body(sequence, batch);
                        long t0 = System.nanoTime();
                        if (t0 >= windowEnd) {
                            return;
                        }
                        int status;
                        String answer;
                        try {
                            HttpResponse<String> r = own.send(post(url, token.get(), b),
                                    HttpResponse.BodyHandlers.ofString());
                            status = r.statusCode();
                            answer = r.body();
                        } catch (IOException e) {
                            status = -1;
                            answer = e.toString();
                        }
                        long t1 = System.nanoTime();
                        if (t1 >= windowStart && t1 <= windowEnd) {
                            if (status == 200 && accepted(json, answer) == batch) {
                                s.add(t1 - t0);
                                s.events += batch;
                                s.bodyBytes += b.length();
                            } else {
                                s.errors++;
                                s.lastError = status + " " + answer.substring(0, Math.min(200, answer.length()));
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
        }
        sleepUntil(windowStart);
        Cpu before = Cpu.read(pid);
        sleepUntil(windowEnd);
        Cpu after = Cpu.read(pid);
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException(label + ": a producer failed", failure.get());
        }

        int n = all.stream().mapToInt(s -> s.n).sum();
        long events = all.stream().mapToLong(s -> s.events).sum();
        long bodyBytes = all.stream().mapToLong(s -> s.bodyBytes).sum();
        int errors = all.stream().mapToInt(s -> s.errors).sum();
        long[] lat = new long[n];
        int k = 0;
        for (Samples s : all) {
            System.arraycopy(s.latency, 0, lat, k, s.n);
            k += s.n;
        }
        Arrays.sort(lat);
        double window = (windowEnd - windowStart) / 1e9;
        double serverCpu = (double) (after.serverTicks() - before.serverTicks()) / clkTck;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", label);
        r.put("url", url.toString());
        r.put("producers", producers);
        r.put("batch", batch);
        r.put("targetEventsPerSecond", rate > 0 ? rate : null);
        r.put("warmupSeconds", warmup);
        r.put("windowSeconds", Report.round(window, 3));
        r.put("requests", n);
        r.put("events", events);
        r.put("errors", errors);
        r.put("lastError", all.stream().map(s -> s.lastError).filter(e -> e != null).findFirst().orElse(null));
        r.put("eventsPerSecond", Report.round(events / window, 1));
        r.put("requestBodyBytesPerEvent", events > 0 ? Report.round((double) bodyBytes / events, 1) : null);
        r.put("p50Ms", Report.round(percentile(lat, 0.50) / 1e6, 2));
        r.put("p90Ms", Report.round(percentile(lat, 0.90) / 1e6, 2));
        r.put("p99Ms", Report.round(percentile(lat, 0.99) / 1e6, 2));
        r.put("maxMs", Report.round(n == 0 ? 0 : lat[n - 1] / 1e6, 2));
        r.put("serverPid", pid);
        r.putAll(before.until(after, clkTck));
        r.put("eventsPerServerCpuSecond", serverCpu > 0 ? Report.round(events / serverCpu, 1) : null);
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r);
        System.out.printf("%s: %d events in %d requests in %.1f s = %.1f events/s, p50 %.2f ms, p99 %.2f ms, "
                + "%d errors, audit-service CPU %.2f s, PostgreSQL CPU %s s%n", label, events, n, window,
                events / window, percentile(lat, 0.5) / 1e6, percentile(lat, 0.99) / 1e6, errors, serverCpu,
                r.get("postgresCpuSeconds"));
        if (errors > 0) {
            System.out.println("  last error: " + r.get("lastError"));
        }
    }

    /** {"events":[…]} of {@code batch} new events, numbered from a shared counter. */
    private static String body(AtomicLong sequence, int batch) {
        long first = sequence.getAndAdd(batch);
        StringBuilder sb = new StringBuilder(batch * 520 + 16).append("{\"events\":[");
        for (int i = 0; i < batch; i++) {
            if (i > 0) {
                sb.append(',');
            }
            EventShape.json(sb, first + i, EventShape.uuidV7(), EventShape.now());
        }
        return sb.append("]}").toString();
    }

    private static HttpRequest post(URI url, String token, String body) {
        return HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static int accepted(ObjectMapper json, String answer) {
        try {
            JsonNode n = json.readTree(answer);
            return n.path("duplicates").asInt(-1) == 0 ? n.path("accepted").asInt(-1) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static String fetchToken(HttpClient http, HttpRequest request, ObjectMapper json) throws Exception {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode n = r.statusCode() == 200 ? json.readTree(r.body()) : null;
        if (n == null || !n.hasNonNull("access_token")) {
            throw new IllegalStateException("token endpoint " + request.uri() + " answered " + r.statusCode() + ": "
                    + r.body().substring(0, Math.min(300, r.body().length())));
        }
        return n.get("access_token").asText();
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 500)));
        }
    }
}
