package io.medhook.bench.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.atomic.AtomicReference;

/**
 * Closed-loop load generator for an OAuth 2.0 client-credentials token endpoint: {@code concurrency} workers, each
 * sending its next request when the previous answer arrived, over keep-alive HTTP/1.1 connections. A warm-up phase is
 * discarded; during the measured window it counts answers (200 with an {@code access_token} is a grant, anything else an
 * error), keeps every latency, and reads the CPU time the server process consumed ({@code utime+stime} of
 * {@code /proc/<pid>/stat}) at the window's start and end, plus this generator's and the whole machine's CPU time.
 *
 * <pre>
 * java -cp ... io.medhook.bench.auth.GrantLoad --label=MedHook --url=http://127.0.0.1:18181/oauth2/token \
 *     --client-id=workflow-service --secret-file=... --form=audience=medhook-sandbox --pid=1234 \
 *     --concurrency=16 --warmup=30 --duration=30 --out=target/results/medhook.json
 * </pre>
 * With {@code --rate=R} the workers pace themselves to R requests per second in total instead of running closed-loop:
 * to compare the CPU time per grant of two builds at the same load.
 */
public final class GrantLoad {

    private GrantLoad() {
    }

    /** Latencies and completion times of one worker, in a growable primitive array. */
    private static final class Samples {
        long[] latency = new long[1 << 16];
        int n;
        int errors;
        int lastErrorStatus;

        void add(long nanos) {
            if (n == latency.length) {
                latency = Arrays.copyOf(latency, n * 2);
            }
            latency[n++] = nanos;
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        String label = a.getOrDefault("label", "server");
        URI url = URI.create(Args.required(a, "url"));
        String clientId = Args.required(a, "client-id");
        String secret = Files.readString(Path.of(Args.required(a, "secret-file"))).strip();
        long pid = Long.parseLong(Args.required(a, "pid"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "16"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "30"));
        int duration = Integer.parseInt(a.getOrDefault("duration", "30"));
        int clkTck = Integer.parseInt(a.getOrDefault("clk-tck", "100"));
        // 0: closed loop, as fast as the server answers; else a fixed total rate (to compare CPU per grant at equal load)
        double rate = Double.parseDouble(a.getOrDefault("rate", "0"));
        Path out = Path.of(Args.required(a, "out"));

        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        for (String extra : a.getOrDefault("form", "").split("&")) {
            if (!extra.isBlank()) {
                int eq = extra.indexOf('=');
                form.append('&').append(enc(extra.substring(0, eq))).append('=').append(enc(extra.substring(eq + 1)));
            }
        }
        // RFC 6749 §2.3.1: client_secret_basic with form-urlencoded id and secret
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (enc(clientId) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                .build();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        // one request first: fail fast with a clear message when the endpoint does not grant
        HttpResponse<String> probe = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (probe.statusCode() != 200 || !probe.body().contains("\"access_token\"")) {
            throw new IllegalStateException(label + ": token endpoint answered " + probe.statusCode()
                    + " to the probe request: " + probe.body().substring(0, Math.min(300, probe.body().length())));
        }

        long start = System.nanoTime();
        long windowStart = start + Duration.ofSeconds(warmup).toNanos();
        long windowEnd = windowStart + Duration.ofSeconds(duration).toNanos();
        List<Samples> all = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long interval = rate > 0 ? (long) (1e9 * concurrency / rate) : 0;
        for (int i = 0; i < concurrency; i++) {
            Samples s = new Samples();
            all.add(s);
            long firstSend = start + (interval * i) / concurrency;
            Thread t = Thread.ofPlatform().name("grant-" + i).daemon().start(() -> {
                try {
                    long next = firstSend;
                    while (true) {
                        if (interval > 0) {
                            sleepUntil(next);
                            // a late answer is not made up for with a burst
                            next = Math.max(next + interval, System.nanoTime() - interval);
                        }
                        long t0 = System.nanoTime();
                        if (t0 >= windowEnd) {
                            return;
                        }
                        int status;
                        boolean granted;
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            status = r.statusCode();
                            granted = status == 200 && r.body().contains("\"access_token\"");
                        } catch (IOException e) {
                            status = -1;
                            granted = false;
                        }
                        long t1 = System.nanoTime();
                        if (t0 >= windowStart && t1 <= windowEnd) {
                            if (granted) {
                                s.add(t1 - t0);
                            } else {
                                s.errors++;
                                s.lastErrorStatus = status;
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
            workers.add(t);
        }
        sleepUntil(windowStart);
        Cpu before = Cpu.read(pid);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        sleepUntil(windowEnd);
        Cpu after = Cpu.read(pid);
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException(label + ": a worker failed", failure.get());
        }

        int n = all.stream().mapToInt(s -> s.n).sum();
        int errors = all.stream().mapToInt(s -> s.errors).sum();
        long[] lat = new long[n];
        int k = 0;
        for (Samples s : all) {
            System.arraycopy(s.latency, 0, lat, k, s.n);
            k += s.n;
        }
        Arrays.sort(lat);
        double window = (double) (windowEnd - windowStart) / 1e9;
        double serverCpu = (double) (after.processTicks - before.processTicks) / clkTck;
        double selfCpu = (double) (after.selfTicks - before.selfTicks) / clkTck;
        double machineBusy = (double) (after.machineBusyTicks - before.machineBusyTicks) / clkTck;
        double machineTotal = (double) (after.machineTotalTicks - before.machineTotalTicks) / clkTck;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", label);
        r.put("url", url.toString());
        r.put("concurrency", concurrency);
        r.put("targetRate", rate > 0 ? rate : null);
        r.put("warmupSeconds", warmup);
        r.put("windowSeconds", round(window, 3));
        r.put("grants", n);
        r.put("errors", errors);
        r.put("lastErrorStatus", errors > 0 ? all.stream().mapToInt(s -> s.lastErrorStatus).filter(x -> x != 0)
                .findFirst().orElse(0) : null);
        r.put("grantsPerSecond", round(n / window, 1));
        r.put("p50Ms", round(percentile(lat, 0.50) / 1e6, 2));
        r.put("p90Ms", round(percentile(lat, 0.90) / 1e6, 2));
        r.put("p99Ms", round(percentile(lat, 0.99) / 1e6, 2));
        r.put("maxMs", round(n == 0 ? 0 : lat[n - 1] / 1e6, 2));
        r.put("serverPid", pid);
        r.put("serverCpuSeconds", round(serverCpu, 2));
        r.put("serverCores", round(serverCpu / window, 2));
        r.put("grantsPerServerCpuSecond", serverCpu > 0 ? round(n / serverCpu, 1) : null);
        r.put("generatorCpuSeconds", round(selfCpu, 2));
        r.put("machineCpus", Runtime.getRuntime().availableProcessors());
        r.put("machineBusyCores", round(machineBusy / window, 2));
        r.put("machineIdleCores", round((machineTotal - machineBusy) / window, 2));
        r.put("otherProcessesCores", round((machineBusy - serverCpu - selfCpu) / window, 2));
        r.put("loadavgAtWindowStart", loadBefore);
        r.put("loadavgAtWindowEnd", loadAfter);
        Files.createDirectories(out.toAbsolutePath().getParent());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.toFile(), r);
        System.out.printf("%s: %d grants in %.1f s = %.1f/s, p50 %.2f ms, p99 %.2f ms, %d errors, server CPU %.2f s"
                + " (%.1f grants per CPU-second), machine busy %.2f of %d cores%n", label, n, window, n / window,
                percentile(lat, 0.5) / 1e6, percentile(lat, 0.99) / 1e6, errors, serverCpu,
                serverCpu > 0 ? n / serverCpu : Double.NaN, machineBusy / window,
                Runtime.getRuntime().availableProcessors());
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 500)));
        }
    }

    /** CPU clock ticks of a process, of this process, and of the whole machine, read together. */
    record Cpu(long processTicks, long selfTicks, long machineBusyTicks, long machineTotalTicks) {

        static Cpu read(long pid) throws IOException {
            long[] m = machine();
            return new Cpu(processTicks(Path.of("/proc", Long.toString(pid), "stat")),
                    processTicks(Path.of("/proc/self/stat")), m[0], m[1]);
        }

        /** utime + stime (fields 14 and 15 of proc(5) stat), all threads of the process. */
        static long processTicks(Path stat) throws IOException {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state), so field 14 is f[11] and field 15 is f[12]
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        /** {busy, total} ticks over all CPUs from the first line of /proc/stat; idle and iowait are not busy. */
        static long[] machine() throws IOException {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is already inside user)
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] { total - idle, total };
        }
    }
}
