package io.medhook.common.secrets;

import io.smallrye.mutiny.Uni;

/**
 * The key-encryption key (KEK) operations of the secrets interface. Data keys are wrapped under the KEK and stored
 * next to the data they protect; the KEK never leaves the implementation (a local key file in dev/test, Vault Transit
 * in production). {@code context} is bound as associated data: a wrapped key only unwraps for the same context.
 */
public interface KeyEncryption {

    /** Wraps a data key; the result is an opaque, self-describing string (implementation, key version, ciphertext). */
    Uni<String> wrap(byte[] dataKey, String context);

    /** Unwraps a data key produced by {@link #wrap}; fails if the context differs or the ciphertext was altered. */
    Uni<byte[]> unwrap(String wrapped, String context);

    /**
     * Wraps the key inside {@code wrapped} again under the current KEK version (after a rotation). Vault Transit does
     * this without the data key leaving Vault; the default unwraps and wraps.
     */
    default Uni<String> rewrap(String wrapped, String context) {
        return unwrap(wrapped, context).chain(key -> wrap(key, context));
    }
}
