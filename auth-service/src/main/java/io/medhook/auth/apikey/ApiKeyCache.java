package io.medhook.auth.apikey;

import io.medhook.common.security.MedhookPrincipal;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers of {@link LocalApiKeyVerifier}, positive and negative, kept for at most {@link #MAX_AGE}, keyed by the hex
 * SHA-256 of the key (never the key). A revocation on this replica evicts at once; other replicas see it when their
 * entry ages out.
 */
@ApplicationScoped
public class ApiKeyCache {

    /** How long an answer is reused: a revoked key stops working on every replica within this (plus one lookup). */
    static final Duration MAX_AGE = Duration.ofSeconds(4);
    /** Beyond this many entries the cache drops what it holds rather than grow (random keys cannot exhaust memory). */
    static final int MAX_ENTRIES = 10_000;

    /** A cached answer; {@code principal} is null for a key that is unknown, revoked or expired. */
    public record Entry(MedhookPrincipal principal, long storedAtNanos) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** The cached answer, or null when there is none young enough. */
    public Entry get(String fingerprint) {
        Entry e = entries.get(fingerprint);
        if (e == null) {
            return null;
        }
        if (System.nanoTime() - e.storedAtNanos >= MAX_AGE.toNanos()) {
            entries.remove(fingerprint, e);
            return null;
        }
        MedhookPrincipal p = e.principal;
        if (p != null && p.expiresAt() != null && !p.expiresAt().isAfter(Instant.now())) {
            return new Entry(null, e.storedAtNanos);
        }
        return e;
    }

    public void put(String fingerprint, MedhookPrincipal principal) {
        if (entries.size() >= MAX_ENTRIES) {
            long now = System.nanoTime();
            entries.values().removeIf(e -> now - e.storedAtNanos >= MAX_AGE.toNanos());
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(fingerprint, new Entry(principal, System.nanoTime()));
    }

    public void forget(String fingerprint) {
        entries.remove(fingerprint);
    }
}
