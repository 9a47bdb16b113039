package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The token store of the {@link VaultDouble} (Vault's {@code auth/token} backend): service tokens {@code hvs.…} with
 * policies, a TTL and renewal, as {@code auth/token/lookup-self}, {@code renew-self}, {@code create} and
 * {@code revoke-self} describe them.
 */
public final class VaultTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One token. {@code ttl} zero means it never expires (root). */
    public record Token(String id, String accessor, List<String> policies, Duration ttl, Instant issued,
            Instant expires, boolean renewable, String displayName, String path, Map<String, String> meta) {

        boolean valid(Instant now) {
            return expires == null || now.isBefore(expires);
        }

        long ttlSeconds(Instant now) {
            return expires == null ? 0 : Math.max(0, Duration.between(now, expires).toSeconds());
        }
    }

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /** Creates a token; {@code default} is added to the policies (unless the token is root), as Vault does. */
    public Token create(Collection<String> policies, Duration ttl, boolean renewable, String displayName, String path,
            Map<String, String> meta) {
        TreeSet<String> p = new TreeSet<>(policies);
        if (!p.contains("root")) {
            p.add("default");
        }
        Instant now = Instant.now();
        Token t = new Token("hvs." + random(24), random(24), List.copyOf(p), ttl, now,
                ttl.isZero() ? null : now.plus(ttl), renewable && !ttl.isZero(), displayName, path, Map.copyOf(meta));
        tokens.put(t.id(), t);
        return t;
    }

    /** The token when it exists and has not expired. */
    public Optional<Token> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Token t = tokens.get(id);
        if (t == null) {
            return Optional.empty();
        }
        if (!t.valid(Instant.now())) {
            tokens.remove(id);
            return Optional.empty();
        }
        return Optional.of(t);
    }

    /** Extends a token's life by {@code increment} (or its original TTL) from now. */
    public Token renew(Token t, Duration increment) {
        if (!t.renewable()) {
            throw new VaultError(400, "lease is not renewable");
        }
        Duration by = increment == null || increment.isZero() ? t.ttl() : increment;
        Token renewed = new Token(t.id(), t.accessor(), t.policies(), by, t.issued(), Instant.now().plus(by),
                t.renewable(), t.displayName(), t.path(), t.meta());
        tokens.put(t.id(), renewed);
        return renewed;
    }

    public void revoke(String id) {
        tokens.remove(id);
    }

    /** The {@code auth} block of a login, create or renew answer. */
    static ObjectNode authBlock(Token t) {
        ObjectNode a = VaultResponse.object();
        a.put("client_token", t.id());
        a.put("accessor", t.accessor());
        ArrayNode p = a.putArray("policies");
        t.policies().forEach(p::add);
        ArrayNode tp = a.putArray("token_policies");
        t.policies().forEach(tp::add);
        ObjectNode m = a.putObject("metadata");
        t.meta().forEach(m::put);
        a.put("lease_duration", t.ttlSeconds(Instant.now()));
        a.put("renewable", t.renewable());
        a.put("entity_id", "");
        a.put("token_type", "service");
        a.put("orphan", true);
        a.putNull("mfa_requirement");
        a.put("num_uses", 0);
        return a;
    }

    /** The {@code data} of {@code auth/token/lookup-self}. */
    static ObjectNode lookupData(Token t) {
        Instant now = Instant.now();
        ObjectNode d = VaultResponse.object();
        d.put("accessor", t.accessor());
        d.put("creation_time", t.issued().getEpochSecond());
        d.put("creation_ttl", t.ttl().toSeconds());
        d.put("display_name", t.displayName());
        d.put("entity_id", "");
        if (t.expires() == null) {
            d.putNull("expire_time");
        } else {
            d.put("expire_time", DateTimeFormatter.ISO_INSTANT.format(t.expires()));
        }
        d.put("explicit_max_ttl", 0);
        d.put("id", t.id());
        d.put("issue_time", DateTimeFormatter.ISO_INSTANT.format(t.issued()));
        if (t.meta().isEmpty()) {
            d.putNull("meta");
        } else {
            ObjectNode m = d.putObject("meta");
            t.meta().forEach(m::put);
        }
        d.put("num_uses", 0);
        d.put("orphan", true);
        d.put("path", t.path());
        ArrayNode p = d.putArray("policies");
        t.policies().forEach(p::add);
        d.put("renewable", t.renewable());
        d.put("ttl", t.ttlSeconds(now));
        d.put("type", "service");
        return d;
    }

    /** Parses Vault's duration forms: seconds as a number or string, or Go durations such as {@code 1h30m}, {@code 90s}. */
    static Duration duration(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String v = s.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        Duration total = Duration.ZERO;
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(v);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new VaultError(400, "time: invalid duration \"" + v + "\"");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
        }
        if (end != v.length()) {
            throw new VaultError(400, "time: invalid duration \"" + v + "\"");
        }
        return total;
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    List<Token> all() {
        return new ArrayList<>(tokens.values());
    }
}
