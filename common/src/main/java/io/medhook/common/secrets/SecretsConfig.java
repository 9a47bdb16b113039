package io.medhook.common.secrets;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "medhook.secrets")
public interface SecretsConfig {

    /**
     * Which implementation of the secrets interface runs: {@code local} (a key file and secret files in
     * {@link #localDir()}; dev and tests), {@code vault} (HashiCorp Vault through quarkus-vault: Transit and KV v2) or
     * {@code none} (a service that holds no secrets, such as sandbox-service: every use fails). The {@code prod}
     * profile refuses {@code local} at start.
     */
    @WithDefault("local")
    String provider();

    /** Directory of the local secrets implementation (dev/test only): the key-encryption key file and named secrets. */
    @WithDefault("${user.home}/.medhook/secrets")
    String localDir();

    /** The Vault implementation (provider {@code vault}). */
    Vault vault();

    /**
     * What a service uses in Vault. Every path, key and operation is named here (and set in the service's
     * application.properties) so that vault-config's policy test can compare them with the service's policy.
     */
    interface Vault {

        /**
         * The Transit key (type {@code aes256-gcm96}, {@code derived=true}: the context is bound) that wraps this
         * service's data keys; operations {@code encrypt}, {@code decrypt}, {@code rewrap}. The mount is quarkus-vault's
         * {@code quarkus.vault.transit-secret-engine-mount-path} ({@code transit}).
         */
        Optional<String> transitKey();

        /**
         * The Transit key (type {@code ed25519}) that signs for this service (audit-service's checkpoints); operations
         * {@code sign} and reading the key ({@code transit/keys/<name>}) for its public keys.
         */
        Optional<String> signingKey();

        /**
         * Path prefix in the KV version 2 engine mounted at {@code quarkus.vault.kv-secret-engine-mount-path}: secret
         * {@code x} is read from {@code <mount>/data/<prefix>/x}.
         */
        @WithDefault("medhook")
        String kvPrefix();

        /**
         * The named secrets this service may read from KV (anything else is refused before Vault is asked); an entry
         * ending in {@code /*} allows every name under that prefix. Each is a KV v2 secret with one field,
         * {@code value}.
         */
        Optional<List<String>> kvSecrets();

        /** Time limit of one call to Vault. */
        @WithDefault("5s")
        Duration timeout();

        /** Attempts of a Transit call while Vault is unreachable, sealed or failing (1 = no retry). */
        @WithDefault("3")
        int retryAttempts();

        /** First back-off between attempts; it doubles each time (with jitter). */
        @WithDefault("200ms")
        Duration retryBackoff();
    }
}
