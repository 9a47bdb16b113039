package io.medhook.bench.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints the benchmark's table from the files run.sh left in the results directory ({@code medhook-<round>.json},
 * {@code keycloak-<round>.json}, {@code verify-cost.json}, {@code jmh.json}, {@code machine.txt}) and writes it beside them as {@code results.md}.
 */
public final class Report {

    private Report() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        Path dir = Path.of(Args.required(a, "dir"));
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();

        Path machine = dir.resolve("machine.txt");
        if (Files.exists(machine)) {
            out.append(Files.readString(machine).strip()).append("\n\n");
        }

        List<JsonNode> mh = rounds(json, dir, "medhook");
        List<JsonNode> kc = rounds(json, dir, "keycloak");
        if (!mh.isEmpty() || !kc.isEmpty()) {
            JsonNode any = !mh.isEmpty() ? mh.get(0) : kc.get(0);
            out.append(String.format("Client-credentials grants: closed loop, %d concurrent workers (Java HttpClient, "
                    + "keep-alive HTTP/1.1), %d s warm-up and %.0f s measured per server and round, one server at a "
                    + "time, rounds alternate%n%n", any.get("concurrency").asInt(), any.get("warmupSeconds").asInt(),
                    any.get("windowSeconds").asDouble()));
            out.append("| round | server | grants/s | p50 ms | p99 ms | errors | server CPU s | server cores used "
                    + "| grants per server CPU-second | other processes, cores | load avg (1/5/15 min) at end |\n");
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
            String kcName = "Keycloak " + a.getOrDefault("keycloak-version", "") + " (start-dev)";
            for (int i = 0; i < Math.max(mh.size(), kc.size()); i++) {
                row(out, Integer.toString(i + 1), "MedHook auth-service", i < mh.size() ? mh.get(i) : null);
                row(out, Integer.toString(i + 1), kcName, i < kc.size() ? kc.get(i) : null);
            }
            Total m = Total.of(mh);
            Total k = Total.of(kc);
            if (mh.size() > 1 || kc.size() > 1) {
                out.append(String.format("| all | MedHook auth-service | %.1f | | | %d | %.2f | | %.1f | | |%n",
                        m.rate(), m.errors, m.cpu, m.perCpu()));
                out.append(String.format("| all | %s | %.1f | | | %d | %.2f | | %.1f | | |%n", kcName, k.rate(),
                        k.errors, k.cpu, k.perCpu()));
            }
            if (!mh.isEmpty() && !kc.isEmpty()) {
                out.append('\n');
                for (int i = 0; i < Math.min(mh.size(), kc.size()); i++) {
                    out.append(String.format("round %d: MedHook / Keycloak = %.2f× the grant rate, %.2f× the grants "
                            + "per server CPU-second%n", i + 1,
                            mh.get(i).get("grantsPerSecond").asDouble() / kc.get(i).get("grantsPerSecond").asDouble(),
                            mh.get(i).get("grantsPerServerCpuSecond").asDouble()
                                    / kc.get(i).get("grantsPerServerCpuSecond").asDouble()));
                }
                out.append(String.format("all rounds: MedHook / Keycloak = %.2f× the grant rate, %.2f× the grants per "
                        + "server CPU-second (target: at least 5× per core)%n", m.rate() / k.rate(),
                        m.perCpu() / k.perCpu()));
            }
            out.append('\n');
        }

        JsonNode cost = read(json, dir.resolve("verify-cost.json"));
        if (cost != null) {
            out.append(String.format("Token verification in a protected service, thread CPU time and wall-clock time "
                    + "per operation: one thread, %d operations per line in %d interleaved batches after %d warm-up "
                    + "operations each; real auth-service tokens, JWKS fetched from it and cached (target: median "
                    + "< 100 µs)%n%n", cost.get("batches").asInt() * cost.get("opsPerBatch").asInt(),
                    cost.get("batches").asInt(), cost.get("warmupOpsPerVariant").asInt()));
            out.append("| operation | token | CPU p50 µs | CPU p90 µs | CPU p99 µs | wall p50 µs | wall p99 µs |\n");
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (JsonNode r : cost.get("results")) {
                out.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n", r.get("operation").asText(),
                        r.get("token").asText(), r.get("cpuP50Us").asDouble(), r.get("cpuP90Us").asDouble(),
                        r.get("cpuP99Us").asDouble(), r.get("wallP50Us").asDouble(), r.get("wallP99Us").asDouble()));
            }
            out.append('\n');
        }

        JsonNode jmh = read(json, dir.resolve("jmh.json"));
        if (jmh != null) {
            out.append("The same operations with JMH (SampleTime, wall-clock, one thread, 4 × 2 s warm-up, 5 × 2 s "
                    + "measured, one fork each)\n\n");
            out.append("| benchmark | token | p50 µs | p90 µs | p99 µs | mean µs | samples |\n");
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (JsonNode b : jmh) {
                String name = b.get("benchmark").asText();
                name = name.substring(name.lastIndexOf('.') + 1);
                JsonNode pm = b.get("primaryMetric");
                JsonNode pct = pm.get("scorePercentiles");
                long samples = 0;
                for (JsonNode iteration : pm.get("rawDataHistogram")) {
                    for (JsonNode fork : iteration) {
                        for (JsonNode bin : fork) {
                            samples += bin.get(1).asLong();
                        }
                    }
                }
                out.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %.1f | %d |%n", name,
                        b.path("params").path("token").asText(), pct.get("50.0").asDouble(),
                        pct.get("90.0").asDouble(), pct.get("99.0").asDouble(), pm.get("score").asDouble(), samples));
            }
        }
        System.out.println(out);
        Files.writeString(dir.resolve("results.md"), out.toString());
    }

    private static JsonNode read(ObjectMapper json, Path p) throws Exception {
        return Files.exists(p) ? json.readTree(p.toFile()) : null;
    }

    /** {@code <prefix>-1.json}, {@code <prefix>-2.json}, ... in round order. */
    private static List<JsonNode> rounds(ObjectMapper json, Path dir, String prefix) throws Exception {
        List<JsonNode> r = new ArrayList<>();
        for (int i = 1; Files.exists(dir.resolve(prefix + "-" + i + ".json")); i++) {
            r.add(json.readTree(dir.resolve(prefix + "-" + i + ".json").toFile()));
        }
        return r;
    }

    /** Grants, errors, measured seconds and server CPU seconds summed over rounds. */
    private record Total(long grants, long errors, double seconds, double cpu) {
        static Total of(List<JsonNode> rounds) {
            long g = 0;
            long e = 0;
            double s = 0;
            double c = 0;
            for (JsonNode r : rounds) {
                g += r.get("grants").asLong();
                e += r.get("errors").asLong();
                s += r.get("windowSeconds").asDouble();
                c += r.get("serverCpuSeconds").asDouble();
            }
            return new Total(g, e, s, c);
        }

        double rate() {
            return seconds > 0 ? grants / seconds : 0;
        }

        double perCpu() {
            return cpu > 0 ? grants / cpu : 0;
        }
    }

    private static void row(StringBuilder out, String round, String name, JsonNode r) {
        if (r == null) {
            out.append("| ").append(round).append(" | ").append(name).append(" | not measured | | | | | | | | |\n");
            return;
        }
        out.append(String.format("| %s | %s | %.1f | %.2f | %.2f | %d | %.2f | %.2f | %.1f | %.2f | %s |%n", round, name,
                r.get("grantsPerSecond").asDouble(), r.get("p50Ms").asDouble(), r.get("p99Ms").asDouble(),
                r.get("errors").asInt(), r.get("serverCpuSeconds").asDouble(), r.get("serverCores").asDouble(),
                r.get("grantsPerServerCpuSecond").asDouble(), r.get("otherProcessesCores").asDouble(),
                loadavg(r.get("loadavgAtWindowEnd").asText())));
    }

    private static String loadavg(String procLoadavg) {
        String[] f = procLoadavg.split(" ");
        return f.length >= 3 ? f[0] + " / " + f[1] + " / " + f[2] : procLoadavg;
    }
}
