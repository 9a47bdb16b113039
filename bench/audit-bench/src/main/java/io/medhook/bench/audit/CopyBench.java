package io.medhook.bench.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * The physical reference: PostgreSQL's own {@code COPY} over the JDBC driver's CopyManager, in the audit database,
 * with as many rows as the chain holds after the ingest phases ({@code select count(*) from audit_event}).
 * <ol>
 * <li>{@code COPY … FROM STDIN} into {@code bench_copy_identical (like audit_event including all)}: the same columns,
 * checks, primary key, unique {@code id} and the five listing indexes (no append-only trigger: it only fires on
 * UPDATE/DELETE/TRUNCATE); rows of {@link EventShape}, generated while they are sent, in one COPY statement;</li>
 * <li>the same into {@code bench_copy_plain (like audit_event)}: columns only, no index (the lower bound);</li>
 * <li>{@code COPY … TO STDOUT} of {@code audit_event} (the rows MedHook's export reads) and of
 * {@code bench_copy_identical}; the client counts lines and bytes and keeps nothing.</li>
 * </ol>
 * Before the COPYs it times generating the same rows without sending them, to show the generator is not the limit.
 * A {@code CHECKPOINT} precedes each measured step (when the role may), as run.sh does before the ingest phases.
 */
public final class CopyBench {

    private CopyBench() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Args.parse(argv);
        String url = Args.required(a, "jdbc-url");
        Path out = Path.of(Args.required(a, "out"));
        int clkTck = Integer.parseInt(a.getOrDefault("clk-tck", "100"));
        Properties props = new Properties();
        props.setProperty("user", Args.required(a, "user"));
        String password = System.getenv("PGPASSWORD");
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.setAutoCommit(true);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            long rows = a.containsKey("rows") ? Long.parseLong(a.get("rows")) : count(c, "audit_event");
            r.put("rows", rows);
            r.put("generatorOnly", generateOnly(rows));
            try (Statement s = c.createStatement()) {
                s.execute("drop table if exists bench_copy_identical, bench_copy_plain");
                s.execute("create table bench_copy_identical (like audit_event including all)");
                s.execute("create table bench_copy_plain (like audit_event)");
            }
            checkpoint(c);
            r.put("copyInIdentical", copyIn(copy, "bench_copy_identical", rows, clkTck));
            checkpoint(c);
            r.put("copyInPlain", copyIn(copy, "bench_copy_plain", rows, clkTck));
            checkpoint(c);
            r.put("copyOutAuditEvent", copyOut(copy, "audit_event", clkTck));
            r.put("copyOutIdentical", copyOut(copy, "bench_copy_identical", clkTck));
            for (String t : new String[] { "bench_copy_identical", "bench_copy_plain" }) {
                r.put("tableBytes_" + t, size(c, t));
            }
            r.put("tableBytes_audit_event", size(c, "audit_event"));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r);
    }

    private static Map<String, Object> generateOnly(long rows) {
        long t0 = System.nanoTime();
        long bytes = 0;
        StringBuilder sb = new StringBuilder(1 << 17);
        for (long i = 0; i < rows; i++) {
            EventShape.copyRow(sb, i + 1, i, EventShape.uuidV7(), EventShape.now());
            if (sb.length() >= 1 << 16) {
                bytes += sb.toString().getBytes(StandardCharsets.US_ASCII).length;
                sb.setLength(0);
            }
        }
        bytes += sb.toString().getBytes(StandardCharsets.US_ASCII).length;
        double s = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Report.round(s, 3));
        m.put("rowsPerSecond", Report.round(rows / s, 1));
        m.put("bytesPerRow", Report.round((double) bytes / rows, 1));
        System.out.printf("generating %d COPY rows alone: %.0f rows/s, %.1f bytes per row%n", rows, rows / s,
                (double) bytes / rows);
        return m;
    }

    private static Map<String, Object> copyIn(CopyManager copy, String table, long rows, int clkTck)
            throws Exception {
        StringBuilder sb = new StringBuilder(1 << 17);
        long bytes = 0;
        Cpu before = Cpu.read(0);
        long t0 = System.nanoTime();
        CopyIn in = copy.copyIn("copy " + table + " (" + EventShape.COLUMNS + ") from stdin");
        for (long i = 0; i < rows; i++) {
            EventShape.copyRow(sb, i + 1, i, EventShape.uuidV7(), EventShape.now());
            if (sb.length() >= 1 << 16 || i == rows - 1) {
                byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
                in.writeToCopy(b, 0, b.length);
                bytes += b.length;
                sb.setLength(0);
            }
        }
        long stored = in.endCopy();
        double s = (System.nanoTime() - t0) / 1e9;
        Cpu after = Cpu.read(0);
        if (stored != rows) {
            throw new IllegalStateException("COPY into " + table + " stored " + stored + " rows of " + rows);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("statement", "COPY " + table + " FROM STDIN");
        m.put("rows", rows);
        m.put("seconds", Report.round(s, 3));
        m.put("rowsPerSecond", Report.round(rows / s, 1));
        m.put("bytesPerRow", Report.round((double) bytes / rows, 1));
        m.putAll(before.until(after, clkTck));
        System.out.printf("COPY %s FROM STDIN: %d rows in %.2f s = %.0f rows/s (%.1f bytes per row)%n", table, rows, s,
                rows / s, (double) bytes / rows);
        return m;
    }

    private static Map<String, Object> copyOut(CopyManager copy, String table, int clkTck) throws Exception {
        CountingSink sink = new CountingSink();
        Cpu before = Cpu.read(0);
        long t0 = System.nanoTime();
        long rows = copy.copyOut("copy " + table + " (" + EventShape.COLUMNS + ") to stdout", sink);
        double s = (System.nanoTime() - t0) / 1e9;
        Cpu after = Cpu.read(0);
        if (rows != sink.lines) {
            throw new IllegalStateException("COPY " + table + " TO STDOUT: " + rows + " rows but " + sink.lines
                    + " lines");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("statement", "COPY " + table + " TO STDOUT");
        m.put("rows", rows);
        m.put("seconds", Report.round(s, 3));
        m.put("rowsPerSecond", Report.round(rows / s, 1));
        m.put("bytes", sink.bytes);
        m.putAll(before.until(after, clkTck));
        System.out.printf("COPY %s TO STDOUT: %d rows in %.2f s = %.0f rows/s (%d bytes)%n", table, rows, s, rows / s,
                sink.bytes);
        return m;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long size(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select pg_total_relation_size('" + table + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void checkpoint(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("checkpoint");
        } catch (SQLException e) {
            System.out.println("(no CHECKPOINT before the next step: " + e.getMessage() + ")");
        }
    }

    /** Counts bytes and newlines; keeps nothing. */
    private static final class CountingSink extends OutputStream {
        long bytes;
        long lines;

        @Override
        public void write(int b) {
            bytes++;
            if (b == '\n') {
                lines++;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lines++;
                }
            }
        }
    }
}
