package io.medhook.common.secrets;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Named configuration secrets (service client secrets, signing material seeds). Vault KV in production, a local
 * directory of files (mode 0600) in dev/test.
 */
public interface SecretStore {

    Optional<String> find(String name);

    /**
     * Returns the secret, creating it with {@code generator} when it does not exist yet. Creation is atomic: two
     * processes racing for the same name end up with the same value. Production implementations refuse to create.
     */
    String getOrCreate(String name, Supplier<String> generator);
}
