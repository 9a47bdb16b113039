package io.medhook.auth.login;

import io.medhook.auth.AuthConfig;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sliding-window throttle of failed logins, per account and per source address, checked before the password is
 * hashed (so a flood costs no Argon2 work). Kept in memory per replica: with N replicas an attacker gets at most N
 * times the budget, still bounded.
 */
@ApplicationScoped
public class LoginThrottle {

    private final AuthConfig.Throttle config;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public LoginThrottle(AuthConfig config) {
        this.config = config.throttle();
    }

    /** Refuses with 429 (and Retry-After seconds in the problem) when the account or the address is over budget. */
    public void check(String username, String address) {
        long now = System.currentTimeMillis();
        long wait = Math.max(retryAfter(accountKey(username), config.maxFailuresPerAccount(), now),
                retryAfter(addressKey(address), config.maxFailuresPerAddress(), now));
        if (wait > 0) {
            long seconds = Math.max(1, (wait + 999) / 1000);
            throw new MedhookException(ErrorKind.TOO_MANY_REQUESTS,
                    "Too many failed logins; try again in " + seconds + " seconds", Map.of("retryAfter", seconds));
        }
    }

    public void failed(String username, String address) {
        long now = System.currentTimeMillis();
        record(accountKey(username), now);
        record(addressKey(address), now);
    }

    public void succeeded(String username) {
        failures.remove(accountKey(username));
    }

    private long retryAfter(String key, int max, long now) {
        Deque<Long> d = failures.get(key);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            prune(d, now);
            if (d.size() < max) {
                return 0;
            }
            return d.peekFirst() + config.window().toMillis() - now;
        }
    }

    private void record(String key, long now) {
        Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            prune(d, now);
            d.addLast(now);
            while (d.size() > 1000) {
                d.removeFirst();
            }
        }
    }

    private void prune(Deque<Long> d, long now) {
        long cutoff = now - config.window().toMillis();
        while (!d.isEmpty() && d.peekFirst() < cutoff) {
            d.removeFirst();
        }
    }

    private static String accountKey(String username) {
        return "u:" + (username == null ? "" : username.toLowerCase(Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "a:" + (address == null ? "unknown" : address);
    }
}
