package io.medhook.bench.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One NDJSON export of the whole chain ({@code GET /api/v1/audit/export?format=ndjson}) as the instance owner (the
 * bootstrap admin, logged in through auth-service): streams the answer, counts lines and bytes, keeps only the last
 * line (the manifest) and checks that its {@code count} equals the number of event lines.
 */
public final class ExportLoad {

    private ExportLoad() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        URI exportUrl = URI.create(Args.required(a, "url"));
        URI loginUrl = URI.create(Args.required(a, "login-url"));
        String password = Files.readString(Path.of(Args.required(a, "admin-password-file"))).strip();
        long pid = Long.parseLong(a.getOrDefault("pid", "0"));
        int clkTck = Integer.parseInt(a.getOrDefault("clk-tck", "100"));
        Path out = Path.of(Args.required(a, "out"));
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> login = http.send(HttpRequest.newBuilder(loginUrl).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
                        Map.of("username", "admin", "password", password))))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode tokens = login.statusCode() == 200 ? json.readTree(login.body()) : null;
        if (tokens == null || !tokens.hasNonNull("access_token")) {
            throw new IllegalStateException("login answered " + login.statusCode());
        }
        // the export is read with HttpURLConnection: for one long chunked stream it costs the client far less CPU
        // than java.net.http (which the machine's two cores would take from the server)
        Cpu before = Cpu.read(pid);
        long t0 = System.nanoTime();
        HttpURLConnection conn = (HttpURLConnection) exportUrl.toURL().openConnection();
        conn.setRequestProperty("Authorization", "Bearer " + tokens.get("access_token").asText());
        conn.setConnectTimeout(5000);
        conn.setReadTimeout(600_000);
        int status = conn.getResponseCode();
        long firstByte = -1;
        long bytes = 0;
        long lines = 0;
        byte[] tail = new byte[1 << 16]; // the last 64 KiB of the stream: the manifest line is in it
        int tailLength = 0;
        try (InputStream in = status == 200 ? conn.getInputStream() : conn.getErrorStream()) {
            if (status != 200) {
                throw new IllegalStateException("export answered " + status + ": "
                        + (in == null ? "" : new String(in.readNBytes(300), StandardCharsets.UTF_8)));
            }
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (firstByte < 0 && n > 0) {
                    firstByte = System.nanoTime();
                }
                bytes += n;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
                int keep = Math.min(tailLength, tail.length - n);
                if (keep > 0) {
                    System.arraycopy(tail, tailLength - keep, tail, 0, keep);
                }
                int take = Math.min(n, tail.length);
                System.arraycopy(buf, n - take, tail, Math.max(keep, 0), take);
                tailLength = Math.max(keep, 0) + take;
            }
        }
        long t1 = System.nanoTime();
        Cpu after = Cpu.read(pid);
        String rest = new String(tail, 0, tailLength, StandardCharsets.UTF_8).stripTrailing();
        String last = rest.substring(rest.lastIndexOf('\n') + 1);
        JsonNode manifest = json.readTree(last).path("manifest");
        long events = lines - 1;
        if (!manifest.isObject() || manifest.path("count").asLong(-1) != events) {
            throw new IllegalStateException("the last line is not a manifest counting " + events + " events: "
                    + last.substring(0, Math.min(300, last.length())));
        }
        double s = (t1 - t0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", exportUrl.toString());
        m.put("events", events);
        m.put("fromSeq", conn.getHeaderField("X-Medhook-Export-From-Seq"));
        m.put("toSeq", conn.getHeaderField("X-Medhook-Export-To-Seq"));
        m.put("seconds", Report.round(s, 3));
        m.put("eventsPerSecond", Report.round(events / s, 1));
        m.put("bytes", bytes);
        m.put("bytesPerEvent", Report.round((double) bytes / Math.max(1, events), 1));
        m.put("timeToFirstByteMs", firstByte < 0 ? null : Report.round((firstByte - t0) / 1e6, 1));
        m.put("serverPid", pid);
        m.putAll(before.until(after, clkTck));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), m);
        System.out.printf("NDJSON export: %d events in %.2f s = %.0f events/s (%d bytes, first byte after %s ms)%n",
                events, s, events / s, bytes, m.get("timeToFirstByteMs"));
    }
}
