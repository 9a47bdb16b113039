package io.medhook.common.security;

import io.smallrye.mutiny.Uni;
import java.security.PublicKey;

/** Where a verifier finds auth-service's public signing keys, by key id. */
public interface JwksSource {

    /** The public key for {@code kid}, or a failure when no such key is published. */
    Uni<PublicKey> key(String kid);
}
