package io.medhook.common.secrets;

import io.quarkus.vault.VaultTransitSecretReactiveEngine;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.VaultException;
import io.quarkus.vault.transit.ClearData;
import io.quarkus.vault.transit.TransitContext;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The production key-encryption key: a Vault Transit key of type {@code aes256-gcm96} created with {@code derived=true},
 * called through quarkus-vault's Transit engine. The data key goes to Vault and comes back wrapped as
 * {@code vault:v<N>:…}; the {@code context} is sent as Transit's derivation context, so a wrapped key only unwraps for
 * the same record. The key itself never leaves Vault.
 *
 * <p>Failures: a ciphertext Vault refuses (400: wrong context, altered, retired version) is an
 * {@link Aead.CryptoException} like the local implementation's; Vault unreachable, sealed, timing out or refusing the
 * token is a {@link SecretsUnavailableException} (503), retried with exponential back-off a bounded number of times
 * first. Nothing is ever returned unencrypted in place of a wrapped key.
 */
public final class VaultTransitKeyEncryption implements KeyEncryption {

    private final VaultTransitSecretReactiveEngine transit;
    private final String keyName;
    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;

    public VaultTransitKeyEncryption(VaultTransitSecretReactiveEngine transit, String keyName, Duration timeout,
            int attempts, Duration backoff) {
        this.transit = transit;
        this.keyName = keyName;
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
    }

    /** The Transit key name (for logs and the policy test; not secret). */
    public String keyName() {
        return keyName;
    }

    @Override
    public Uni<String> wrap(byte[] dataKey, String context) {
        return call(() -> transit.encrypt(keyName, new ClearData(dataKey), ctx(context)));
    }

    @Override
    public Uni<byte[]> unwrap(String wrapped, String context) {
        if (wrapped == null || !wrapped.startsWith("vault:v")) {
            return Uni.createFrom().failure(
                    new Aead.CryptoException("wrapped key was not produced by Vault Transit", null));
        }
        return call(() -> transit.decrypt(keyName, wrapped, ctx(context)).map(ClearData::getValue));
    }

    /** Transit {@code rewrap}: the data key is re-encrypted under the newest key version without leaving Vault. */
    @Override
    public Uni<String> rewrap(String wrapped, String context) {
        if (wrapped == null || !wrapped.startsWith("vault:v")) {
            return Uni.createFrom().failure(
                    new Aead.CryptoException("wrapped key was not produced by Vault Transit", null));
        }
        return call(() -> transit.rewrap(keyName, wrapped, ctx(context)));
    }

    private static TransitContext ctx(String context) {
        return TransitContext.fromContext(context.getBytes(StandardCharsets.UTF_8));
    }

    private <T> Uni<T> call(java.util.function.Supplier<Uni<? extends T>> op) {
        Uni<T> once = Uni.createFrom().<T>deferred(op)
                .ifNoItem().after(timeout).failWith(TimeoutException::new)
                .onFailure().transform(VaultTransitKeyEncryption::classify);
        if (attempts == 1) {
            return once;
        }
        return once.onFailure(SecretsUnavailableException.class).retry()
                .withBackOff(backoff, backoff.multipliedBy(8)).withJitter(0.2).atMost(attempts - 1L);
    }

    /**
     * 400 from Transit means the ciphertext does not open with this key and context: a crypto failure, not retried.
     * Anything else (connection refused, timeout, 403 token, 5xx, 503 sealed) means Vault is not usable now.
     */
    public static Throwable classify(Throwable e) {
        if (e instanceof Aead.CryptoException || e instanceof SecretsUnavailableException) {
            return e;
        }
        if (e instanceof VaultClientException vce && vce.getStatus() != null && vce.getStatus() == 400) {
            return new Aead.CryptoException("Vault Transit refused the ciphertext: wrong key, wrong context or "
                    + "altered ciphertext", null);
        }
        if (e.getClass() == VaultException.class || e instanceof io.quarkus.vault.transit.VaultBatchException) {
            // a batch item error (Transit answered 200 with an error for the one item): a crypto failure
            return new Aead.CryptoException("Vault Transit refused the ciphertext", null);
        }
        return new SecretsUnavailableException(e);
    }
}
