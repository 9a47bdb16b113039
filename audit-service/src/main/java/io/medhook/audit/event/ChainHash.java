package io.medhook.audit.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hash chain: {@code hash(n) = hex(SHA-256(UTF-8(hash(n-1) + "\n" + canonical(event n))))}, with 64 zeros standing
 * in for the hash before the first event. The canonical form of an event is {@link CanonicalJson} of an object holding
 * exactly its stored fields, nulls omitted (README, "Hash chain", is the reference for auditors).
 */
public final class ChainHash {

    /** The "previous hash" of event 1. */
    public static final String GENESIS = "0".repeat(64);

    /** {@code occurredAt} in canonical form: UTC, always six fractional digits. */
    static final DateTimeFormatter OCCURRED_AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private ChainHash() {
    }

    /** The canonical JSON of a stored event; {@code change} is embedded as stored (it is canonical already). */
    static String canonical(StoredEvent e) {
        Map<String, Object> m = new TreeMap<>();
        m.put("id", e.id().toString());
        m.put("occurredAt", OCCURRED_AT.format(e.occurredAt()));
        Map<String, Object> actor = new TreeMap<>();
        putIfPresent(actor, "type", e.actorType());
        putIfPresent(actor, "id", e.actorId());
        putIfPresent(actor, "name", e.actorName());
        m.put("actor", actor);
        m.put("action", e.action());
        if (e.resourceType() != null || e.resourceId() != null) {
            Map<String, Object> resource = new TreeMap<>();
            putIfPresent(resource, "type", e.resourceType());
            putIfPresent(resource, "id", e.resourceId());
            m.put("resource", resource);
        }
        putIfPresent(m, "workspaceId", e.workspaceId());
        m.put("outcome", e.outcome());
        putIfPresent(m, "requestId", e.requestId());
        putIfPresent(m, "sourceAddress", e.sourceAddress());
        putIfPresent(m, "userAgent", e.userAgent());
        if (e.change() != null) {
            m.put("change", new CanonicalJson.Raw(e.change()));
        }
        return CanonicalJson.write(m);
    }

    /** The chain link of an event given the hash before it. */
    public static String hash(String prevHash, String canonical) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static void putIfPresent(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
