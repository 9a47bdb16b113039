package io.medhook.workflow.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the next attempt goes out: the schedule's delays (the first before the first attempt), each with jitter, and
 * never before a {@code Retry-After} the receiver sent (seconds or an HTTP date), which is capped.
 */
final class RetryPolicy {

    private RetryPolicy() {
    }

    /** The schedule in force: the endpoint's (seconds) or the instance default. */
    static List<Duration> schedule(List<Integer> endpointSeconds, List<Duration> defaults) {
        return endpointSeconds == null || endpointSeconds.isEmpty() ? defaults
                : endpointSeconds.stream().map(s -> Duration.ofSeconds(s)).toList();
    }

    /** A delay with jitter: uniformly within {@code ±fraction} of it. */
    static Duration jittered(Duration d, double fraction) {
        if (d.isZero() || fraction <= 0) {
            return d;
        }
        double f = 1 + ThreadLocalRandom.current().nextDouble(-fraction, fraction);
        return Duration.ofMillis(Math.max(0, Math.round(d.toMillis() * f)));
    }

    /**
     * A {@code Retry-After} value as a delay from {@code now}: delta-seconds or an HTTP date; capped at {@code max};
     * null when absent or unreadable.
     */
    static Duration retryAfter(String value, Instant now, Duration max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        Duration d;
        if (v.matches("\\d{1,10}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return null;
            }
            if (d.isNegative()) {
                d = Duration.ZERO;
            }
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
