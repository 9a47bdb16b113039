package io.medhook.bench.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.sandbox.SandboxConfig;
import io.medhook.sandbox.execution.RunScriptRequest;
import io.medhook.sandbox.execution.RunScriptResult;
import io.medhook.sandbox.execution.ScriptRunner;
import io.medhook.sandbox.runtime.LaunchFlags;
import io.medhook.sandbox.runtime.RuntimeProbe;
import io.medhook.sandbox.runtime.RuntimeStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * MedHook side of the sandbox benchmark: drives sandbox-service's own {@link ScriptRunner} in-process, through its
 * public entry point {@code submit}, exactly as {@code ExecutionResource} does after authentication: read the request
 * body with Jackson, submit (admission, execution thread, watchdog, fresh context per execution, output walk and size
 * check), then serialize the response. Not measured: HTTP, TLS, JWT verification. One execution at a time. The beans
 * are built by constructor injection ({@link Wiring}) with the service's default configuration; the JVM flags are the
 * launcher's (run.sh), and the run refuses to report when the runtime it got is not the one asked for.
 *
 * <pre>java … io.medhook.bench.sandbox.SandboxBench WORKLOADS.json OUT.json warmupS measureS minSamples expectedMode</pre>
 */
public final class SandboxBench {

    private SandboxBench() {
    }

    public static void main(String[] args) throws Exception {
        Path workloads = Path.of(args[0]);
        Path out = Path.of(args[1]);
        double warmupS = Double.parseDouble(args[2]);
        double measureS = Double.parseDouble(args[3]);
        int minSamples = Integer.parseInt(args[4]);
        String expected = args[5];

        RuntimeStatus runtime = RuntimeStatus.assess(LaunchFlags.ofThisJvm(), RuntimeProbe.run());
        System.err.printf("  MedHook runtime: %s (requested %s): %s%n", runtime.actual().wire(),
                runtime.requested().wire(), runtime.reason());
        if (!runtime.actual().wire().equals(expected)) {
            System.err.printf("  expected the %s runtime, got %s: refusing to report these numbers%n", expected,
                    runtime.actual().wire());
            System.exit(2);
        }

        ObjectMapper mapper = new ObjectMapper();
        // the service's defaults (@WithDefault); "5s"-style durations need Quarkus' converter, as in the service
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(SandboxConfig.class)
                .build();
        SandboxConfig sandbox = config.getConfigMapping(SandboxConfig.class);
        ScriptRunner runner = new Wiring()
                .with(SandboxConfig.class, sandbox)
                .with(ObjectMapper.class, mapper)
                .with(MeterRegistry.class, new SimpleMeterRegistry())
                .get(ScriptRunner.class);

        ObjectNode report = mapper.createObjectNode();
        String variant = System.getProperty("bench.variant", "");
        report.put("side", "MedHook " + runtime.actual().wire() + (variant.isBlank() ? "" : " [" + variant + "]"));
        report.put("runtime", runtime.implementation() + ", JDK " + Runtime.version());
        ArrayNode results = report.putArray("results");
        for (JsonNode w : mapper.readTree(workloads.toFile())) {
            byte[] body = w.get("body").asText().getBytes(StandardCharsets.UTF_8);
            long warmupEnd = System.nanoTime() + (long) (warmupS * 1e9);
            int warmups = 0;
            while (System.nanoTime() < warmupEnd) {
                execute(runner, mapper, body);
                warmups++;
            }
            long[] samples = new long[Math.max(minSamples, 1024)];
            int n = 0;
            int failures = 0;
            String outputHash = null;
            long begin = System.nanoTime();
            long measureEnd = begin + (long) (measureS * 1e9);
            while (System.nanoTime() < measureEnd || n < minSamples) {
                long t0 = System.nanoTime();
                RunScriptResult result = execute(runner, mapper, body);
                long took = System.nanoTime() - t0;
                if (n == samples.length) {
                    samples = java.util.Arrays.copyOf(samples, n * 2);
                }
                samples[n++] = took;
                if (result.status() != RunScriptResult.Status.SUCCEEDED) {
                    failures++;
                } else if (outputHash == null) {
                    outputHash = sha256(mapper.writeValueAsString(result.output()));
                }
            }
            long elapsed = System.nanoTime() - begin;
            ObjectNode r = results.addObject();
            r.put("workload", w.get("name").asText());
            r.put("title", w.get("title").asText());
            r.put("warmups", warmups);
            ArrayNode s = r.putArray("samplesNs");
            for (int i = 0; i < n; i++) {
                s.add(samples[i]);
            }
            r.put("elapsedNs", elapsed);
            r.put("failures", failures);
            r.put("outputHash", outputHash);
            System.err.printf("  MedHook %s %s: %d runs, %d failed%n", runtime.actual().wire(),
                    w.get("name").asText(), n, failures);
        }
        Files.writeString(out, mapper.writeValueAsString(report));
        System.exit(0); // the engine and pools belong to the process, as in the service
    }

    /** What ExecutionResource does with a request once it is authenticated, plus writing the response. */
    private static RunScriptResult execute(ScriptRunner runner, ObjectMapper mapper, byte[] body) throws Exception {
        RunScriptRequest request = mapper.readValue(body, RunScriptRequest.class);
        RunScriptResult result = runner.submit(request).toCompletableFuture().get();
        mapper.writeValueAsBytes(result);
        return result;
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
