package io.medhook.auth.token;

import io.medhook.auth.AuthConfig;
import io.medhook.common.secrets.SecretStore;
import io.medhook.common.security.HttpServiceTokens;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks service-client secrets for the client-credentials grant without touching the secrets interface on every
 * grant, so the grant can run on the event loop (a Vault-backed {@link SecretStore} must never be called there).
 * <p>
 * For each configured client it keeps only the SHA-256 digest of the expected secret, read from the secrets interface
 * on a worker thread and trusted for {@link #TTL}; a presented secret is hashed and compared to it in constant time
 * (digests of equal length, {@link MessageDigest#isEqual}), exactly as before. A rotated secret takes effect, and the
 * old one stops working, within {@link #TTL}. Unknown client ids are compared against a fixed dummy digest, never
 * looked up and never cached, so they neither reach the secrets interface nor grow the cache.
 */
@ApplicationScoped
public class ClientSecrets {

    /** How long a secret read from the secrets interface is trusted before it is read again. */
    static final Duration TTL = Duration.ofSeconds(5);

    private static final byte[] NO_CLIENT = sha256("\u0000no-client");

    private record Expected(byte[] digest, long readAtNanos) {
    }

    private final AuthConfig config;
    private final SecretStore secrets;
    private final Map<String, Expected> cache = new ConcurrentHashMap<>();

    public ClientSecrets(AuthConfig config, SecretStore secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    /** Whether {@code secret} is the current secret of the configured client {@code clientId}. */
    public Uni<Boolean> matches(String clientId, String secret) {
        byte[] given = sha256(secret);
        if (!config.clients().containsKey(clientId)) {
            MessageDigest.isEqual(NO_CLIENT, given); // same work as for a known client
            return Uni.createFrom().item(false);
        }
        Expected e = cache.get(clientId);
        if (e != null && System.nanoTime() - e.readAtNanos < TTL.toNanos()) {
            return Uni.createFrom().item(MessageDigest.isEqual(e.digest, given));
        }
        return Uni.createFrom().item(() -> read(clientId))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(expected -> MessageDigest.isEqual(expected.digest, given));
    }

    private Expected read(String clientId) {
        String secret = secrets.getOrCreate(HttpServiceTokens.secretName(clientId), HttpServiceTokens::newSecret);
        Expected e = new Expected(sha256(secret), System.nanoTime());
        cache.put(clientId, e);
        return e;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
