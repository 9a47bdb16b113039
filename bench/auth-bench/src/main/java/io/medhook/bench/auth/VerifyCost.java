package io.medhook.bench.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The operations of {@link TokenVerificationBenchmark}, timed one by one in thread CPU time as well as wall-clock time,
 * in interleaved batches (every variant once per batch), after a warm-up. CPU time does not count the time the thread
 * waited for a CPU, so on a busy machine it shows the cost itself; interleaving spreads any change in the machine's
 * other load over all variants alike. The {@code noop} line is the cost of taking the two clock readings.
 *
 * <pre>
 * java -cp ... io.medhook.bench.auth.VerifyCost --auth-url=http://127.0.0.1:18181 --secret-file=... \
 *     --admin-password-file=... --out=target/results/verify-cost.json
 * </pre>
 */
public final class VerifyCost {

    private VerifyCost() {
    }

    private record Variant(String token, String name, Callable<Object> op, long[] cpu, long[] wall) {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        int warmup = Integer.parseInt(a.getOrDefault("warmup-ops", "20000"));
        int batches = Integer.parseInt(a.getOrDefault("batches", "20"));
        int batchOps = Integer.parseInt(a.getOrDefault("batch-ops", "2000"));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot read thread CPU time");
        }
        List<VerificationFixture> fixtures = new ArrayList<>();
        List<Variant> variants = new ArrayList<>();
        int n = batches * batchOps;
        variants.add(new Variant("-", "noop", () -> null, new long[n], new long[n]));
        for (String kind : List.of("service", "user")) {
            VerificationFixture f = new VerificationFixture(Args.required(a, "auth-url"), a.get("secret-file"),
                    a.get("admin-password-file"), kind);
            fixtures.add(f);
            System.out.println("[verify-cost] " + f.describe());
            variants.add(new Variant(kind, "verify", f::verify, new long[n], new long[n]));
            variants.add(new Variant(kind, "authenticate", f::authenticate, new long[n], new long[n]));
            variants.add(new Variant(kind, "jose4jCachedConsumer", f::jose4jCachedConsumer, new long[n], new long[n]));
            variants.add(new Variant(kind, "jose4jConsumerPerCall", f::jose4jConsumerPerCall, new long[n], new long[n]));
        }
        for (Variant v : variants) {
            for (int i = 0; i < warmup; i++) {
                sink = v.op.call();
            }
        }
        for (int b = 0; b < batches; b++) {
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get((k + b) % variants.size()); // rotate the order from batch to batch
                int base = b * batchOps;
                for (int i = 0; i < batchOps; i++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    sink = v.op.call();
                    long w1 = System.nanoTime();
                    long c1 = threads.getCurrentThreadCpuTime();
                    v.cpu[base + i] = c1 - c0;
                    v.wall[base + i] = w1 - w0;
                }
            }
        }
        fixtures.forEach(VerificationFixture::close);

        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("%n%-8s %-22s %10s %10s %10s %10s%n", "token", "operation", "CPU p50", "CPU p99",
                "wall p50", "wall p99");
        for (Variant v : variants) {
            Arrays.sort(v.cpu);
            Arrays.sort(v.wall);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("token", v.token);
            r.put("operation", v.name);
            r.put("samples", n);
            r.put("cpuP50Us", us(pct(v.cpu, 0.50)));
            r.put("cpuP90Us", us(pct(v.cpu, 0.90)));
            r.put("cpuP99Us", us(pct(v.cpu, 0.99)));
            r.put("wallP50Us", us(pct(v.wall, 0.50)));
            r.put("wallP99Us", us(pct(v.wall, 0.99)));
            rows.add(r);
            System.out.printf("%-8s %-22s %8.1f µs %7.1f µs %7.1f µs %7.1f µs%n", v.token, v.name, us(pct(v.cpu, 0.5)),
                    us(pct(v.cpu, 0.99)), us(pct(v.wall, 0.5)), us(pct(v.wall, 0.99)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("warmupOpsPerVariant", warmup);
        out.put("batches", batches);
        out.put("opsPerBatch", batchOps);
        out.put("results", rows);
        Path file = Path.of(Args.required(a, "out"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), out);
    }

    /** Results land here, so the JIT cannot drop an operation whose result is unused. */
    static volatile Object sink;

    private static long pct(long[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    private static double us(long nanos) {
        return Math.round(nanos / 100.0) / 10.0;
    }
}
