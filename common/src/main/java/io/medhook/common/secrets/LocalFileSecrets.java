package io.medhook.common.secrets;

import io.quarkus.arc.DefaultBean;
import io.quarkus.vault.VaultKVSecretReactiveEngine;
import io.quarkus.vault.VaultTransitSecretReactiveEngine;
import jakarta.enterprise.inject.Instance;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The dev/test implementation of the secrets interface: a key-encryption key generated on first use into a local key
 * file (mode 0600, never committed) and named secrets as files beside it. Production replaces both beans (Vault).
 */
public class LocalFileSecrets implements KeyEncryption, SecretStore {

    static final String PREFIX = "local:v1:";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._\\-/]{0,127}");

    private final Path dir;
    private volatile byte[] kek;

    public LocalFileSecrets(Path dir) {
        this.dir = dir;
    }

    /**
     * Produces the implementation {@code medhook.secrets.provider} names: the local files, or Vault (Transit for the
     * key-encryption key, KV v2 for named secrets). Beans a module declares itself (or a test alternative) win.
     */
    @Singleton
    public static class Producer {
        @Produces
        @Singleton
        @jakarta.enterprise.inject.Typed(LocalFileSecrets.class)
        LocalFileSecrets local(SecretsConfig config) {
            SecretsGuard.refuseLocalInProd(config);
            return new LocalFileSecrets(Path.of(config.localDir()));
        }

        @Produces
        @DefaultBean
        @Singleton
        KeyEncryption keyEncryption(SecretsConfig config, Instance<LocalFileSecrets> local,
                Instance<VaultTransitSecretReactiveEngine> transit) {
            if (SecretsGuard.vault(config)) {
                SecretsConfig.Vault v = config.vault();
                String key = v.transitKey().orElseThrow(() -> new IllegalStateException(
                        "medhook.secrets.provider=vault needs medhook.secrets.vault.transit-key"));
                return new VaultTransitKeyEncryption(transit.get(), key, v.timeout(), v.retryAttempts(),
                        v.retryBackoff());
            }
            if (SecretsGuard.none(config)) {
                return new KeyEncryption() {
                    @Override
                    public Uni<String> wrap(byte[] dataKey, String context) {
                        return Uni.createFrom().failure(noSecrets());
                    }

                    @Override
                    public Uni<byte[]> unwrap(String wrapped, String context) {
                        return Uni.createFrom().failure(noSecrets());
                    }
                };
            }
            return local.get();
        }

        @Produces
        @DefaultBean
        @Singleton
        SecretStore secretStore(SecretsConfig config, Instance<LocalFileSecrets> local,
                Instance<VaultKVSecretReactiveEngine> kv) {
            if (SecretsGuard.vault(config)) {
                SecretsConfig.Vault v = config.vault();
                return new VaultKvSecretStore(kv.get(), v.kvPrefix(), v.kvSecrets().orElse(List.of()),
                        v.timeout());
            }
            if (SecretsGuard.none(config)) {
                return new SecretStore() {
                    @Override
                    public Optional<String> find(String name) {
                        throw noSecrets();
                    }

                    @Override
                    public String getOrCreate(String name, Supplier<String> generator) {
                        throw noSecrets();
                    }
                };
            }
            return local.get();
        }
    }

    static IllegalStateException noSecrets() {
        return new IllegalStateException("this service is configured without secrets (medhook.secrets.provider=none)");
    }

    @Override
    public Uni<String> wrap(byte[] dataKey, String context) {
        return Uni.createFrom().item(() -> PREFIX + Base64.getEncoder()
                .encodeToString(Aead.encrypt(kek(), dataKey, context.getBytes(StandardCharsets.UTF_8))));
    }

    @Override
    public Uni<byte[]> unwrap(String wrapped, String context) {
        return Uni.createFrom().item(() -> {
            if (wrapped == null || !wrapped.startsWith(PREFIX)) {
                throw new Aead.CryptoException("wrapped key was not produced by the local key file", null);
            }
            byte[] sealed = Base64.getDecoder().decode(wrapped.substring(PREFIX.length()));
            return Aead.decrypt(kek(), sealed, context.getBytes(StandardCharsets.UTF_8));
        });
    }

    @Override
    public Optional<String> find(String name) {
        Path p = path(name);
        try {
            return Files.exists(p) ? Optional.of(Files.readString(p, StandardCharsets.UTF_8).strip()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read local secret " + name, e);
        }
    }

    @Override
    public String getOrCreate(String name, Supplier<String> generator) {
        Optional<String> existing = find(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path p = path(name);
        try {
            writeOnce(p, generator.get().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create local secret " + name, e);
        }
        return find(name).orElseThrow();
    }

    private byte[] kek() {
        byte[] k = kek;
        if (k == null) {
            synchronized (this) {
                if (kek == null) {
                    String b64 = getOrCreate("kek-v1", () -> Base64.getEncoder().encodeToString(Aead.newKey()));
                    byte[] key = Base64.getDecoder().decode(b64);
                    if (key.length != Aead.KEY_BYTES) {
                        throw new IllegalStateException("local key-encryption key file is corrupt");
                    }
                    kek = key;
                }
                k = kek;
            }
        }
        return k;
    }

    private Path path(String name) {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("invalid secret name");
        }
        return dir.resolve(name);
    }

    /** Writes the file only if absent; a concurrent writer wins without corrupting it (temp file + atomic link). */
    private static void writeOnce(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".secret");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file system: permissions are left to the platform
            }
            Files.write(tmp, content);
            try {
                Files.createLink(target, tmp);
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: keep theirs
            } catch (UnsupportedOperationException noLinks) {
                if (!Files.exists(target)) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
