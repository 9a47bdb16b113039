package io.medhook.workflow.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * A cron expression in a time zone (cron-utils): 5 fields (Unix: minute hour day-of-month month day-of-week) or 6-7
 * fields (Quartz: seconds first, optional year, {@code ?} in day-of-month or day-of-week). Ticks are computed on the
 * wall clock of the zone, so a daily 09:00 fires at 09:00 local time on both sides of a DST change. A local time that
 * does not exist (spring forward) does not fire; one that occurs twice (fall back) fires once, at its first occurrence.
 */
public final class CronSchedule {

    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser QUARTZ = new CronParser(
            CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private final ExecutionTime executionTime;
    private final ZoneId zone;

    private CronSchedule(ExecutionTime executionTime, ZoneId zone) {
        this.executionTime = executionTime;
        this.zone = zone;
    }

    /** Parses; an {@link IllegalArgumentException} names what is wrong without repeating the input. */
    public static CronSchedule parse(String cron, String timeZone) {
        return new CronSchedule(ExecutionTime.forCron(cron(cron)), zone(timeZone));
    }

    static Cron cron(String cron) {
        if (cron == null || cron.isBlank()) {
            throw new IllegalArgumentException("is required");
        }
        if (cron.length() > 200) {
            throw new IllegalArgumentException("is longer than 200 characters");
        }
        int fields = cron.strip().split("\\s+").length;
        CronParser parser = switch (fields) {
            case 5 -> UNIX;
            case 6, 7 -> QUARTZ;
            default -> throw new IllegalArgumentException(
                    "must have 5 fields (minute hour day-of-month month day-of-week) or 6-7 (Quartz, seconds first)");
        };
        try {
            return parser.parse(cron.strip()).validate();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not a valid " + (fields == 5 ? "5-field" : "Quartz")
                    + " cron expression");
        }
    }

    static ZoneId zone(String timeZone) {
        if (timeZone == null) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("is not a known time zone id (e.g. Europe/Berlin, UTC)");
        }
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first tick strictly after {@code t}; empty when the expression never fires again. */
    public Optional<Instant> nextAfter(Instant t) {
        // ticks are whole seconds: compute from whole seconds (cron-utils would carry the fraction over)
        Instant cursor = t.truncatedTo(ChronoUnit.SECONDS);
        for (int guard = 0; guard < 10_000; guard++) {
            Instant from = cursor;
            Optional<Instant> n = executionTime.nextExecution(ZonedDateTime.ofInstant(from, zone))
                    .map(z -> z.toInstant().truncatedTo(ChronoUnit.SECONDS)).filter(x -> x.isAfter(from));
            if (n.isEmpty() || !repeatedWallTime(n.get())) {
                return n;
            }
            cursor = n.get();
        }
        return Optional.empty();
    }

    /**
     * Whether {@code t} is the second occurrence of its local time (the hour repeated when clocks go back): each
     * wall-clock time fires once, at its first occurrence, as in Quartz.
     */
    private boolean repeatedWallTime(Instant t) {
        return !ZonedDateTime.ofInstant(t, zone).withEarlierOffsetAtOverlap().toInstant().equals(t);
    }

    /**
     * The ticks in {@code [from, to]}, oldest first, at most {@code cap} of them: the most recent ones when there are
     * more.
     */
    public List<Instant> ticksBetween(Instant from, Instant to, int cap) {
        Deque<Instant> out = new ArrayDeque<>();
        if (cap <= 0 || to.isBefore(from)) {
            return List.of();
        }
        // walk backwards from 'to' so a long downtime costs at most 'cap' steps
        Instant cursor = to.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        while (out.size() < cap) {
            Optional<Instant> prev = executionTime.lastExecution(ZonedDateTime.ofInstant(cursor, zone))
                    .map(z -> z.toInstant().truncatedTo(ChronoUnit.SECONDS));
            if (prev.isEmpty() || !prev.get().isBefore(cursor) || prev.get().isBefore(from)) {
                break;
            }
            if (!prev.get().isAfter(to) && !repeatedWallTime(prev.get())) {
                out.addFirst(prev.get());
            }
            cursor = prev.get();
        }
        return new ArrayList<>(out);
    }
}
