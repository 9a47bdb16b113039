package io.medhook.workflow.credential;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.credential.CredentialType.Field;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Credentials per workspace. Owns the transactions; every create, update and delete is audited with the secret values
 * masked ({@link CredentialAudit}). Secret values leave this package only through {@link CredentialVault}.
 */
@ApplicationScoped
public class CredentialService {

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final ObjectMapper json;
    private final CredentialCrypto crypto;

    public CredentialService(ObjectMapper json, CredentialCrypto crypto) {
        this.json = json;
        this.crypto = crypto;
    }

    public Uni<CredentialView> create(UUID workspaceId, CredentialRequest body, AuditContext audit) {
        if (body == null) {
            throw MedhookException.badRequest("A credential body is required");
        }
        String name = CredentialValidator.name(body.name(), true);
        CredentialType type = CredentialValidator.type(body.type());
        Map<String, String> values = CredentialValidator.merge(type, body.fields(), Map.of());
        UUID id = Ids.uuidV7();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return crypto.newKey(workspaceId, id).chain(key -> {
            Credential c = new Credential();
            c.id = id;
            c.workspaceId = workspaceId;
            c.name = name;
            c.type = type.id();
            c.version = 1;
            c.createdAt = now;
            c.updatedAt = now;
            store(c, type, values, key);
            return Panache.withTransaction(() -> requireFreeName(workspaceId, name, null)
                    .chain(() -> c.persist())
                    .chain(() -> Panache.getSession())
                    .chain(s -> HibernateAuditOutbox.append(s, event(audit, "credential.create", c,
                            AuditChange.created(snapshot(c, type, values))))))
                    .onFailure(CredentialService::nameTaken).transform(e -> nameConflict())
                    .map(x -> view(c));
        });
    }

    public Uni<List<CredentialView>> list(UUID workspaceId) {
        return Panache.withSession(() -> Credential.<Credential>list(
                "workspaceId = ?1 order by createdAt desc, id", workspaceId))
                .map(cs -> cs.stream().map(this::view).toList());
    }

    public Uni<CredentialView> get(UUID workspaceId, UUID id) {
        return Panache.withSession(() -> find(workspaceId, id)).map(this::view);
    }

    /**
     * Replaces the given fields; omitted fields keep their value, {@code null} removes an optional one. The secrets
     * are re-encrypted under a fresh data key. Reads and decryption happen before the transaction (the key-encryption
     * key may be a remote service); the write checks that nobody changed the credential meanwhile (409 otherwise).
     */
    public Uni<CredentialView> update(UUID workspaceId, UUID id, CredentialRequest body, AuditContext audit) {
        if (body == null) {
            throw MedhookException.badRequest("A credential body is required");
        }
        String newName = CredentialValidator.name(body.name(), false);
        return Panache.withSession(() -> find(workspaceId, id)).chain(old -> {
            CredentialType type = typeOf(old);
            if (body.type() != null && !body.type().equals(type.id())) {
                throw CredentialValidator.invalid(List.of(CredentialValidator.error("type",
                        "cannot be changed (this credential is " + type.id() + "); create a new credential")));
            }
            return decrypt(old).chain(oldValues -> {
                Map<String, String> values = CredentialValidator.merge(type, body.fields(), oldValues);
                CredentialAudit before = snapshot(old, type, oldValues);
                int expected = old.version;
                return crypto.newKey(workspaceId, id).chain(key -> Panache.withTransaction(() -> find(workspaceId, id)
                        .chain(c -> {
                            if (c.version != expected) {
                                throw MedhookException.conflict("The credential was changed concurrently; retry");
                            }
                            String name = newName == null ? c.name : newName;
                            return requireFreeName(workspaceId, name, id).map(x -> {
                                c.name = name;
                                c.version = c.version + 1;
                                c.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                                store(c, type, values, key);
                                return c;
                            });
                        })
                        .call(c -> Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, event(audit,
                                "credential.update", c, AuditChange.updated(before, snapshot(c, type, values))))))))
                        .onFailure(CredentialService::nameTaken).transform(e -> nameConflict())
                        .map(this::view);
            });
        });
    }

    /** Deletes the credential and its encrypted secrets. */
    public Uni<Void> delete(UUID workspaceId, UUID id, AuditContext audit) {
        return Panache.withTransaction(() -> find(workspaceId, id).chain(c -> {
            CredentialAudit before = new CredentialAudit(c.name, c.type, c.version, clearFields(c),
                    secretNames(c), secretPlaceholders(c));
            return c.delete().chain(() -> Panache.getSession()).chain(s -> HibernateAuditOutbox.append(s,
                    event(audit, "credential.delete", c, AuditChange.deleted(before))));
        })).replaceWithVoid();
    }

    /** The decrypted values of every field, secret and not; only for {@link CredentialVault}. */
    Uni<Map<String, String>> decrypt(Credential c) {
        return crypto.openKey(c.workspaceId, c.id, c.dataKeyWrapped).map(key -> {
            byte[] plain = CredentialCrypto.unseal(key, c.workspaceId, c.id, c.secretsEnc);
            Map<String, String> all = new LinkedHashMap<>(clearFields(c));
            try {
                all.putAll(json.readValue(plain, STRING_MAP));
            } catch (java.io.IOException e) {
                throw CredentialCrypto.unreadable(c.id, null);
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
            return all;
        });
    }

    static Uni<Credential> find(UUID workspaceId, UUID id) {
        return Credential.<Credential>find("id = ?1 and workspaceId = ?2", id, workspaceId).firstResult()
                .onItem().ifNull().failWith(() -> MedhookException.notFound("Credential"));
    }

    private static Uni<Void> requireFreeName(UUID workspaceId, String name, UUID except) {
        return Credential.count("workspaceId = ?1 and lower(name) = lower(?2) and id <> ?3", workspaceId, name,
                except == null ? new UUID(0, 0) : except).invoke(n -> {
                    if (n > 0) {
                        throw nameConflict();
                    }
                }).replaceWithVoid();
    }

    private static MedhookException nameConflict() {
        return MedhookException.conflict("A credential with this name already exists in the workspace");
    }

    /** A concurrent create or rename that the check above did not see, caught by the unique index. */
    private static boolean nameTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("credential_workspace_name")) {
                return true;
            }
        }
        return false;
    }

    /** Splits values into clear fields and the sealed secret document. */
    private void store(Credential c, CredentialType type, Map<String, String> values, CredentialCrypto.DataKey key) {
        Map<String, String> clear = new LinkedHashMap<>();
        Map<String, String> secret = new LinkedHashMap<>();
        for (Field f : type.fields()) {
            String v = values.get(f.name());
            if (v != null) {
                (f.secret() ? secret : clear).put(f.name(), v);
            }
        }
        try {
            c.fields = json.writeValueAsString(clear);
            c.secretFieldsSet = json.writeValueAsString(List.copyOf(secret.keySet()));
            byte[] plain = json.writeValueAsBytes(secret);
            c.secretsEnc = CredentialCrypto.seal(key.key(), c.workspaceId, c.id, plain);
            Arrays.fill(plain, (byte) 0);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("credential fields cannot be serialised");
        }
        c.dataKeyWrapped = key.wrapped();
    }

    private CredentialView view(Credential c) {
        return new CredentialView(c.id.toString(), c.workspaceId.toString(), c.name, c.type, clearFields(c),
                secretNames(c), c.createdAt, c.updatedAt, c.version);
    }

    private Map<String, String> clearFields(Credential c) {
        try {
            return json.readValue(c.fields, STRING_MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored credential fields are unreadable");
        }
    }

    private List<String> secretNames(Credential c) {
        try {
            return List.of(json.readValue(c.secretFieldsSet, String[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored credential field names are unreadable");
        }
    }

    private static CredentialType typeOf(Credential c) {
        return CredentialType.fromId(c.type).orElseThrow(() -> new IllegalStateException("unknown stored type"));
    }

    private CredentialAudit snapshot(Credential c, CredentialType type, Map<String, String> values) {
        Map<String, String> clear = new LinkedHashMap<>();
        Map<String, String> secret = new LinkedHashMap<>();
        for (Field f : type.fields()) {
            if (values.containsKey(f.name())) {
                (f.secret() ? secret : clear).put(f.name(), values.get(f.name()));
            }
        }
        return new CredentialAudit(c.name, c.type, c.version, clear, List.copyOf(secret.keySet()), secret);
    }

    /** A delete needs no decryption: the masked value is "[secret]" whatever it was. */
    private Map<String, String> secretPlaceholders(Credential c) {
        Map<String, String> m = new LinkedHashMap<>();
        secretNames(c).forEach(n -> m.put(n, ""));
        return m;
    }

    private static AuditEvent event(AuditContext audit, String action, Credential c, Map<String, Object> change) {
        return AuditEvent.of(audit, action, "credential", c.id.toString(), c.workspaceId.toString(),
                AuditEvent.Outcome.success, change);
    }
}
