package io.medhook.bench.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one data shape of the benchmark: an audit-like event of a user changing a workflow, with a small change map.
 * The same values go into the REST body (common's {@code AuditJson} form) and into the COPY rows (the columns of
 * {@code audit_event}, {@code change} as canonical text, 64-hex hashes), so both paths store the same bytes per row
 * (about 380 bytes of COPY text, measured and reported by {@link CopyBench}). Ids are UUIDv7 like common's
 * {@code Ids.uuidV7()}, so the unique index on {@code id} sees the same, time-ordered keys on both paths.
 */
final class EventShape {

    static final String COLUMNS = "seq, id, occurred_at, actor_type, actor_id, actor_name, action, resource_type, "
            + "resource_id, workspace_id, outcome, request_id, source_address, user_agent, change, prev_hash, hash";

    private static final DateTimeFormatter OCCURRED_AT = DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String[] ACTIONS = { "workflow.update", "credential.update", "workflow.execute",
        "member.role.update" };
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private EventShape() {
    }

    /** The same algorithm as common's {@code Ids.uuidV7()} (time-ordered), with a thread-local random. */
    static UUID uuidV7() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (System.currentTimeMillis() << 16) | (0x7L << 12) | r.nextInt(1 << 12);
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /**
     * {@code occurredAt} of a new event: the current time in microseconds, canonical form. Every event gets its own
     * instant (one more microsecond than the last one of this thread when the clock has not moved), as real events
     * have: a batch or COPY of identical timestamps would load the {@code occurred_at} index with duplicates.
     */
    static String now() {
        Clock c = CLOCK.get();
        Instant t = Instant.now();
        long micros = Math.max(t.getEpochSecond() * 1_000_000L + t.getNano() / 1000, c.lastMicros + 1);
        c.lastMicros = micros;
        long second = Math.floorDiv(micros, 1_000_000L);
        if (second != c.second) {
            c.second = second;
            // "uuuu-MM-ddTHH:mm:ss." of this second
            c.prefix = OCCURRED_AT.format(Instant.ofEpochSecond(second)).substring(0, 20);
        }
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        char[] out = new char[27];
        c.prefix.getChars(0, 20, out, 0);
        for (int i = 25; i >= 20; i--) {
            out[i] = (char) ('0' + fraction % 10);
            fraction /= 10;
        }
        out[26] = 'Z';
        return new String(out);
    }

    /** Per-thread state of {@link #now()}. */
    private static final class Clock {
        long lastMicros;
        long second = Long.MIN_VALUE;
        String prefix;
    }

    private static final ThreadLocal<Clock> CLOCK = ThreadLocal.withInitial(Clock::new);

    /** Event {@code n} as one member of {@code {"events":[…]}}. */
    static void json(StringBuilder sb, long n, UUID id, String occurredAt) {
        int u = (int) (n % 500);
        sb.append("{\"id\":\"").append(id).append("\",\"occurredAt\":\"").append(occurredAt)
                .append("\",\"actor\":{\"type\":\"user\",\"id\":\"u-").append(u).append("\",\"name\":\"user")
                .append(u).append("\"},\"action\":\"").append(ACTIONS[(int) (n & 3)])
                .append("\",\"resource\":{\"type\":\"workflow\",\"id\":\"wf-").append(n % 2000)
                .append("\"},\"workspaceId\":\"ws-").append(n % 20)
                .append("\",\"outcome\":\"success\",\"requestId\":\"req-").append(Long.toHexString(n * 0x9E3779B97F4A7C15L))
                .append("\",\"sourceAddress\":\"192.0.2.").append(n % 250)
                .append("\",\"userAgent\":\"medhook/0.1\",\"change\":");
        change(sb, n);
        sb.append('}');
    }

    /** Event {@code n} as a COPY text-format row of the {@link #COLUMNS} (no value needs escaping). */
    static void copyRow(StringBuilder sb, long seq, long n, UUID id, String occurredAt) {
        int u = (int) (n % 500);
        sb.append(seq).append('\t').append(id).append('\t').append(occurredAt)
                .append("\tuser\tu-").append(u).append("\tuser").append(u).append("\t")
                .append(ACTIONS[(int) (n & 3)]).append("\tworkflow\twf-").append(n % 2000).append("\tws-").append(n % 20)
                .append("\tsuccess\treq-").append(Long.toHexString(n * 0x9E3779B97F4A7C15L))
                .append("\t192.0.2.").append(n % 250).append("\tmedhook/0.1\t");
        change(sb, n);
        sb.append('\t');
        hex64(sb);
        sb.append('\t');
        hex64(sb);
        sb.append('\n');
    }

    /** The change map, already canonical (members sorted, no spaces), as audit-service stores it. */
    private static void change(StringBuilder sb, long n) {
        sb.append("{\"after\":{\"enabled\":true,\"version\":").append(n % 97 + 2)
                .append("},\"before\":{\"enabled\":false,\"version\":").append(n % 97 + 1).append("}}");
    }

    private static void hex64(StringBuilder sb) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 4; i++) {
            long v = r.nextLong();
            for (int s = 60; s >= 0; s -= 4) {
                sb.append(HEX[(int) (v >>> s) & 0xF]);
            }
        }
    }
}
