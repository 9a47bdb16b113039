package io.medhook.bench.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Prints the benchmark's table from the files run.sh left in the results directory ({@code ingest.json},
 * {@code ingest-paced.json}, {@code copy.json}, {@code export.json}, {@code machine.txt}) and writes it beside them as
 * {@code results.md}. Aims (issue text): ingest with the hash chain at 50 % or more of raw COPY rows/s and at least
 * 20,000 events/s, export at 80 % or more of COPY TO, p99 ingest latency under 50 ms.
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
        JsonNode ingest = read(json, dir.resolve("ingest.json"));
        JsonNode paced = read(json, dir.resolve("ingest-paced.json"));
        JsonNode copy = read(json, dir.resolve("copy.json"));
        JsonNode export = read(json, dir.resolve("export.json"));

        double copyIn = copy == null ? 0 : copy.at("/copyInIdentical/rowsPerSecond").asDouble();
        double copyInPlain = copy == null ? 0 : copy.at("/copyInPlain/rowsPerSecond").asDouble();
        double copyOut = copy == null ? 0 : copy.at("/copyOutAuditEvent/rowsPerSecond").asDouble();
        if (copy != null) {
            out.append(String.format("Rows: %d (every event in the chain after the ingest phases); COPY text %.0f "
                    + "bytes per row; generating them alone: %.0f rows/s%n%n", copy.get("rows").asLong(),
                    copy.at("/copyInIdentical/bytesPerRow").asDouble(),
                    copy.at("/generatorOnly/rowsPerSecond").asDouble()));
        }
        out.append("| measurement | figure | p50 ms | p99 ms | reference | ratio | aim | met |\n");
        out.append("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |\n");
        if (copy != null) {
            out.append(String.format("| PostgreSQL `COPY FROM STDIN`, table like audit_event including all (same "
                    + "checks and indexes) | %s rows/s | | | physical reference | | | |%n", fmt(copyIn)));
            out.append(String.format("| PostgreSQL `COPY FROM STDIN`, same columns, no index | %s rows/s | | | | | | "
                    + "|%n", fmt(copyInPlain)));
        }
        if (ingest != null) {
            double rate = ingest.get("eventsPerSecond").asDouble();
            double ratio = copyIn > 0 ? rate / copyIn : Double.NaN;
            out.append(String.format("| MedHook ingest with hash chain, %d producers × %d events per POST, closed loop "
                    + "| %s events/s | %.2f | %.2f | COPY in (indexes) | %s | ≥ 50 %% of COPY and ≥ 20,000/s | %s |%n",
                    ingest.get("producers").asInt(), ingest.get("batch").asInt(), fmt(rate),
                    ingest.get("p50Ms").asDouble(), ingest.get("p99Ms").asDouble(), pct(ratio),
                    yes(ratio >= 0.5 && rate >= 20_000)));
            out.append(String.format("| … same, against COPY into the table without indexes | | | | COPY in (no "
                    + "index) | %s | | |%n", pct(copyInPlain > 0 ? rate / copyInPlain : Double.NaN)));
            out.append(String.format("| p99 latency of that closed-loop run | | | %.2f | | | p99 < 50 ms | %s |%n",
                    ingest.get("p99Ms").asDouble(), yes(ingest.get("p99Ms").asDouble() < 50)));
        }
        if (paced != null) {
            out.append(String.format("| MedHook ingest paced at %s events/s (%d producers × %d events) | %s events/s "
                    + "| %.2f | %.2f | | | p99 < 50 ms | %s |%n", fmt(paced.get("targetEventsPerSecond").asDouble()),
                    paced.get("producers").asInt(), paced.get("batch").asInt(),
                    fmt(paced.get("eventsPerSecond").asDouble()), paced.get("p50Ms").asDouble(),
                    paced.get("p99Ms").asDouble(), yes(paced.get("p99Ms").asDouble() < 50
                            && paced.get("errors").asInt() == 0)));
        }
        if (copy != null) {
            out.append(String.format("| PostgreSQL `COPY audit_event TO STDOUT` | %s rows/s | | | physical "
                    + "reference | | | |%n", fmt(copyOut)));
            out.append(String.format("| PostgreSQL `COPY bench_copy_identical TO STDOUT` | %s rows/s | | | | | | |%n",
                    fmt(copy.at("/copyOutIdentical/rowsPerSecond").asDouble())));
        }
        if (export != null) {
            double rate = export.get("eventsPerSecond").asDouble();
            double ratio = copyOut > 0 ? rate / copyOut : Double.NaN;
            out.append(String.format("| MedHook export, NDJSON over HTTP, whole chain (%d events, %.0f bytes each) | "
                    + "%s events/s | | | COPY audit_event TO | %s | ≥ 80 %% of COPY TO | %s |%n",
                    export.get("events").asLong(), export.get("bytesPerEvent").asDouble(), fmt(rate), pct(ratio),
                    yes(ratio >= 0.8)));
        }
        out.append('\n');
        if (ingest != null) {
            out.append(cpuLine("closed-loop ingest window", ingest, ingest.get("events").asLong()));
        }
        if (paced != null) {
            out.append(cpuLine("paced ingest window", paced, paced.get("events").asLong()));
        }
        if (copy != null) {
            out.append(cpuLine("COPY FROM STDIN (indexes)", copy.get("copyInIdentical"),
                    copy.get("rows").asLong()));
            out.append(cpuLine("COPY audit_event TO STDOUT", copy.get("copyOutAuditEvent"),
                    copy.get("rows").asLong()));
        }
        if (export != null) {
            out.append(cpuLine("NDJSON export", export, export.get("events").asLong()));
        }
        if (ingest != null && ingest.get("errors").asInt() > 0) {
            out.append("\nclosed-loop ingest errors: ").append(ingest.get("errors").asInt()).append(", last: ")
                    .append(ingest.get("lastError").asText()).append('\n');
        }
        System.out.println(out);
        Files.writeString(dir.resolve("results.md"), out.toString());
    }

    private static String cpuLine(String what, JsonNode r, long rows) {
        return String.format("- %s: audit-service %.2f CPU-s, PostgreSQL processes %.2f CPU-s, load generator %.2f "
                + "CPU-s, other processes %.2f cores, machine busy %.2f of %d cores (load %s → %s); %d rows%n", what,
                r.path("serverCpuSeconds").asDouble(), r.path("postgresCpuSeconds").asDouble(),
                r.path("generatorCpuSeconds").asDouble(), r.path("otherProcessesCores").asDouble(),
                r.path("machineBusyCores").asDouble(), r.path("machineCpus").asInt(),
                r.path("loadavgAtStart").asText(), r.path("loadavgAtEnd").asText(), rows);
    }

    private static JsonNode read(ObjectMapper json, Path p) throws Exception {
        return Files.exists(p) ? json.readTree(p.toFile()) : null;
    }

    private static String fmt(double v) {
        return String.format("%,.0f", v);
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : String.format("%.0f %%", ratio * 100);
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**no**";
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
