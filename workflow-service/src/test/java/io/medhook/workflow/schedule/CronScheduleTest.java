package io.medhook.workflow.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Next-fire computation: both syntaxes, time zones, DST transitions, bounded catch-up windows. */
class CronScheduleTest {

    private static List<Instant> next(CronSchedule s, String from, int n) {
        List<Instant> out = new ArrayList<>();
        Instant t = Instant.parse(from);
        for (int i = 0; i < n; i++) {
            t = s.nextAfter(t).orElseThrow();
            out.add(t);
        }
        return out;
    }

    private static List<Instant> instants(String... s) {
        return java.util.Arrays.stream(s).map(Instant::parse).toList();
    }

    @Test
    void dailyNineOClockStaysAtNineLocalAcrossSpringForward() {
        CronSchedule s = CronSchedule.parse("0 9 * * *", "Europe/Berlin");
        // 2026-03-29 02:00 CET -> 03:00 CEST
        assertEquals(instants("2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"),
                next(s, "2026-03-27T12:00:00Z", 3));
    }

    @Test
    void dailyNineOClockStaysAtNineLocalAcrossFallBack() {
        CronSchedule s = CronSchedule.parse("0 0 9 * * ?", "Europe/Berlin");
        // 2026-10-25 03:00 CEST -> 02:00 CET
        assertEquals(instants("2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"),
                next(s, "2026-10-23T12:00:00Z", 3));
    }

    @Test
    void halfHourlyTicksStayThirtyMinutesApartThroughTheSkippedHour() {
        CronSchedule s = CronSchedule.parse("*/30 * * * *", "Europe/Berlin");
        // local 01:30 CET, then 02:00/02:30 do not exist, then 03:00 CEST
        assertEquals(instants("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"),
                next(s, "2026-03-29T00:15:00Z", 3));
    }

    @Test
    void quartzSecondsAndUnixFieldsAgreeInUtc() {
        CronSchedule quartz = CronSchedule.parse("0 */5 * * * ?", null);
        CronSchedule unix = CronSchedule.parse("*/5 * * * *", "UTC");
        assertEquals(next(unix, "2026-01-01T00:02:00Z", 4), next(quartz, "2026-01-01T00:02:00Z", 4));
        assertEquals(Instant.parse("2026-01-01T00:05:00Z"),
                quartz.nextAfter(Instant.parse("2026-01-01T00:00:00Z")).orElseThrow(), "strictly after");
    }

    @Test
    void ticksBetweenIsInclusiveOldestFirstAndKeepsTheLatestWhenCapped() {
        CronSchedule s = CronSchedule.parse("0 */5 * * * ?", "UTC");
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        Instant to = Instant.parse("2026-01-01T01:00:00Z");
        List<Instant> all = s.ticksBetween(from, to, 100);
        assertEquals(13, all.size());
        assertEquals(from, all.get(0));
        assertEquals(to, all.get(12));
        assertEquals(instants("2026-01-01T00:50:00Z", "2026-01-01T00:55:00Z", "2026-01-01T01:00:00Z"),
                s.ticksBetween(from, to, 3));
        // a year of per-minute ticks costs no more than the cap
        assertEquals(100, CronSchedule.parse("* * * * *", "UTC")
                .ticksBetween(from, from.plusSeconds(366L * 86400), 100).size());
    }

    @Test
    void ticksBetweenAcrossFallBackFiresTheRepeatedHourOnce() {
        CronSchedule s = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        List<Instant> ticks = s.ticksBetween(Instant.parse("2026-10-24T00:00:00Z"),
                Instant.parse("2026-10-26T12:00:00Z"), 10);
        assertEquals(3, ticks.size(), ticks.toString());
        assertEquals(Instant.parse("2026-10-24T00:30:00Z"), ticks.get(0));
        assertEquals(Instant.parse("2026-10-26T01:30:00Z"), ticks.get(2));
        // forward: after the first 02:30 (CEST) comes the next day's, not the repeated 02:30 (CET)
        assertEquals(Instant.parse("2026-10-26T01:30:00Z"),
                s.nextAfter(Instant.parse("2026-10-25T00:30:00Z")).orElseThrow());
        // a half-hourly schedule does not repeat the wall-clock times of the repeated hour either
        CronSchedule half = CronSchedule.parse("*/30 * * * *", "Europe/Berlin");
        assertEquals(instants("2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z"),
                next(half, "2026-10-25T00:15:00Z", 2));
        assertEquals(instants("2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z"),
                half.ticksBetween(Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T02:00:00Z"), 10));
    }

    @Test
    void aLocalTimeThatDoesNotExistDoesNotFire() {
        CronSchedule s = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        assertEquals(instants("2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"), next(s, "2026-03-28T00:00:00Z", 2));
    }

    @Test
    void fractionalSecondsDoNotHideTicks() {
        CronSchedule secondly = CronSchedule.parse("* * * * * ?", "UTC");
        Instant now = Instant.parse("2026-01-01T12:00:05.300Z");
        assertEquals(instants("2026-01-01T12:00:04Z", "2026-01-01T12:00:05Z"),
                secondly.ticksBetween(Instant.parse("2026-01-01T12:00:04Z"), now, 10));
        assertEquals(Instant.parse("2026-01-01T12:00:06Z"), secondly.nextAfter(now).orElseThrow());
        CronSchedule minutely = CronSchedule.parse("* * * * *", "UTC");
        assertEquals(instants("2026-01-01T12:00:00Z"),
                minutely.ticksBetween(Instant.parse("2026-01-01T11:59:30.5Z"), now, 10));
        assertEquals(Instant.parse("2026-01-01T12:01:00Z"), minutely.nextAfter(now).orElseThrow());
    }

    @Test
    void refusesBadExpressionsAndZonesWithoutEchoingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CronSchedule.parse("61 * * * *", "UTC"));
        assertEquals("is not a valid 5-field cron expression", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * *", "UTC"));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 0 * * * * * *", "UTC"));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 0 12 * * *", "UTC"),
                "Quartz needs ? in day-of-month or day-of-week");
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse(" ", "UTC"));
        e = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * * *", "Mars/Base"));
        assertEquals("is not a known time zone id (e.g. Europe/Berlin, UTC)", e.getMessage());
    }
}
