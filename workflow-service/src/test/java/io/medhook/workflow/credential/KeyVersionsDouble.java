package io.medhook.workflow.credential;

import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test double of a versioned key-encryption key, behaving as Vault Transit does for wrap/unwrap: {@link #wrap} uses the
 * newest version and writes it into the result ({@code double:vN:…}); {@link #unwrap} uses the version the wrapped key
 * names, as long as it has not been retired ({@code min_decryption_version}). The local key file of medhook-common
 * has a single version, so rotation cannot be shown with it. Enabled only by {@link KeyRotationProfile}.
 */
@Alternative
@ApplicationScoped
public class KeyVersionsDouble implements KeyEncryption {

    private static final Pattern WRAPPED = Pattern.compile("double:v([0-9]+):(.+)");
    private final Map<Integer, byte[]> versions = new ConcurrentHashMap<>(Map.of(1, Aead.newKey()));
    private volatile int current = 1;
    private volatile int minDecryption = 1;

    /** Adds a version and makes it the one new wraps use. */
    public synchronized int rotate() {
        current = current + 1;
        versions.put(current, Aead.newKey());
        return current;
    }

    /** Versions below {@code version} no longer unwrap (and are forgotten). */
    public synchronized void retireBelow(int version) {
        minDecryption = version;
        versions.keySet().removeIf(v -> v < version);
    }

    @Override
    public Uni<String> wrap(byte[] dataKey, String context) {
        return Uni.createFrom().item(() -> {
            int v = current;
            return "double:v" + v + ":" + Base64.getEncoder().encodeToString(
                    Aead.encrypt(versions.get(v), dataKey, context.getBytes(StandardCharsets.UTF_8)));
        });
    }

    @Override
    public Uni<byte[]> unwrap(String wrapped, String context) {
        return Uni.createFrom().item(() -> {
            Matcher m = WRAPPED.matcher(wrapped == null ? "" : wrapped);
            if (!m.matches()) {
                throw new Aead.CryptoException("not a wrapped key of this double", null);
            }
            int v = Integer.parseInt(m.group(1));
            byte[] key = versions.get(v);
            if (v < minDecryption || key == null) {
                throw new Aead.CryptoException("key version " + v + " is retired", null);
            }
            return Aead.decrypt(key, Base64.getDecoder().decode(m.group(2)), context.getBytes(StandardCharsets.UTF_8));
        });
    }
}
