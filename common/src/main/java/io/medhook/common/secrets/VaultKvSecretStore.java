package io.medhook.common.secrets;

import io.quarkus.vault.VaultKVSecretReactiveEngine;
import io.quarkus.vault.client.VaultClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Named secrets from Vault's KV version 2 engine (production): secret {@code x} is the field {@code value} of
 * {@code <mount>/data/<kv-prefix>/x} (mount: {@code quarkus.vault.kv-secret-engine-mount-path}), read through
 * quarkus-vault's KV engine. Only the names listed in
 * {@code medhook.secrets.vault.kv-secrets} (or under a listed {@code prefix/*}) are read (the same list the service's Vault policy allows). Creation is
 * refused: in production vault-config's bootstrap writes the secrets, never the service. Blocking: never call it on
 * the event loop.
 */
public final class VaultKvSecretStore implements SecretStore {

    private final VaultKVSecretReactiveEngine kv;
    private final String prefix;
    private final List<String> allowed;
    private final Duration timeout;

    public VaultKvSecretStore(VaultKVSecretReactiveEngine kv, String prefix, List<String> allowed, Duration timeout) {
        this.kv = kv;
        this.prefix = prefix;
        this.allowed = List.copyOf(allowed);
        this.timeout = timeout;
    }

    /** The KV path of a named secret under the mount ({@code <prefix>/<name>}). */
    public String path(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    @Override
    public Optional<String> find(String name) {
        if (!allowed(name)) {
            throw new IllegalArgumentException("secret " + name + " is not in medhook.secrets.vault.kv-secrets");
        }
        try {
            var data = kv.readSecret(path(name)).await().atMost(timeout);
            return Optional.ofNullable(data.get("value"));
        } catch (VaultClientException e) {
            if (e.getStatus() != null && e.getStatus() == 404) {
                return Optional.empty();
            }
            throw new SecretsUnavailableException(e);
        } catch (RuntimeException e) {
            throw new SecretsUnavailableException(e);
        }
    }

    /** Listed exactly, or under a listed prefix ending in {@code /*} (e.g. {@code oidc/*}). */
    private boolean allowed(String name) {
        for (String a : allowed) {
            if (a.equals(name) || a.endsWith("/*") && name.startsWith(a.substring(0, a.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String getOrCreate(String name, Supplier<String> generator) {
        return find(name).orElseThrow(() -> new IllegalStateException("secret " + name + " is missing in Vault KV ("
                + path(name) + "); vault-config's bootstrap creates it, the service never does"));
    }
}
