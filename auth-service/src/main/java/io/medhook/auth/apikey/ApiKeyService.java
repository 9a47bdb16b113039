package io.medhook.auth.apikey;

import io.medhook.auth.access.Access;
import io.medhook.auth.workspace.Workspace;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * API keys of a workspace: creation, listing, revocation, rotation (workspace admins and instance owners), and their
 * verification. Admin rights must hold in the caller's token AND in the database at the moment of the call.
 */
@ApplicationScoped
public class ApiKeyService {

    /** last_used_at is written at most this often per key. */
    static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    /** The caller once its admin rights are confirmed, with the role it holds (caps the role of new keys). */
    private record Admin(UUID userId, Workspace workspace, WorkspaceRole held) {
    }

    private final ApiKeyRepository keys;
    private final ApiKeyCache cache;
    private final Access access;

    public ApiKeyService(ApiKeyRepository keys, ApiKeyCache cache, Access access) {
        this.keys = keys;
        this.cache = cache;
        this.access = access;
    }

    public Uni<CreatedApiKey> create(MedhookPrincipal caller, String workspaceId, CreateApiKeyRequest req,
            AuditContext audit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        WorkspaceRole role = WorkspaceRole.fromClaim(req.role());
        return Panache.withTransaction(() -> authorizeAdmin(caller, workspaceId).chain(admin -> {
            if (req.expiresAt() != null && !req.expiresAt().isAfter(now)) {
                throw MedhookException.validation("The request is not valid", Map.of("errors",
                        List.of(Map.of("field", "expiresAt", "message", "must be in the future"))));
            }
            requireGrantable(admin, role);
            String key = ApiKeyTokens.generate(admin.workspace.kind);
            ApiKey k = newKey(admin, req.name().strip(), role, req.expiresAt(), key, now);
            return k.persist()
                    .chain(() -> Panache.getSession())
                    .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "api-key.create", "api-key",
                            k.id.toString(), k.workspaceId.toString(), AuditEvent.Outcome.success,
                            AuditChange.created(ApiKeyAudit.of(k)))))
                    .map(x -> CreatedApiKey.of(k, key));
        }));
    }

    public Uni<ApiKeyList> list(MedhookPrincipal caller, String workspaceId) {
        return Panache.withSession(() -> authorizeAdmin(caller, workspaceId)
                .chain(admin -> keys.listByWorkspace(admin.workspace.id)))
                .map(list -> new ApiKeyList(list.stream().map(ApiKeyView::of).toList()));
    }

    /** Revokes a key; revoking a revoked key changes nothing. */
    public Uni<Void> revoke(MedhookPrincipal caller, String workspaceId, String keyId, AuditContext audit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return Panache.withTransaction(() -> authorizeAdmin(caller, workspaceId)
                .chain(admin -> find(admin, keyId))
                .chain(k -> {
                    if (k.revokedAt != null) {
                        return Uni.createFrom().<byte[]>nullItem();
                    }
                    ApiKeyAudit before = ApiKeyAudit.of(k);
                    k.revokedAt = now;
                    return Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit,
                            "api-key.revoke", "api-key", k.id.toString(), k.workspaceId.toString(),
                            AuditEvent.Outcome.success, AuditChange.updated(before, ApiKeyAudit.of(k)))))
                            .replaceWith(k.keyHash);
                }))
                // after the commit: this replica stops accepting the key at once
                .invoke(hash -> forget(hash))
                .replaceWithVoid();
    }

    /** Issues a new key with the same name, role and expiry, and revokes the old one in the same transaction. */
    public Uni<CreatedApiKey> rotate(MedhookPrincipal caller, String workspaceId, String keyId, AuditContext audit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return Panache.withTransaction(() -> authorizeAdmin(caller, workspaceId)
                .chain(admin -> find(admin, keyId).chain(old -> {
                    if (old.revokedAt != null) {
                        throw MedhookException.conflict("This API key is revoked");
                    }
                    if (old.expiresAt != null && !old.expiresAt.isAfter(now)) {
                        throw MedhookException.conflict("This API key has expired");
                    }
                    requireGrantable(admin, WorkspaceRole.fromClaim(old.role));
                    // the change shows the old key becoming the new one: id, prefix and (masked) hash differ
                    ApiKeyAudit before = ApiKeyAudit.of(old);
                    old.revokedAt = now;
                    String key = ApiKeyTokens.generate(admin.workspace.kind);
                    ApiKey fresh = newKey(admin, old.name, WorkspaceRole.fromClaim(old.role), old.expiresAt, key,
                            now);
                    byte[] oldHash = old.keyHash;
                    return fresh.persist()
                            .chain(() -> Panache.getSession())
                            .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "api-key.rotate",
                                    "api-key", fresh.id.toString(), fresh.workspaceId.toString(),
                                    AuditEvent.Outcome.success, AuditChange.updated(before, ApiKeyAudit.of(fresh)))))
                            .map(x -> new Rotated(CreatedApiKey.of(fresh, key), oldHash));
                })))
                .invoke(r -> forget(r.oldHash))
                .map(Rotated::created);
    }

    private record Rotated(CreatedApiKey created, byte[] oldHash) {
    }

    /**
     * The principal of a presented key (its SHA-256), or null when the key is unknown, revoked or expired. Records the
     * use at most once per {@link #TOUCH_INTERVAL}; the first recorded use of a UTC day writes {@code api-key.use}.
     *
     * @param via who asked (this service or the client id of the introspecting service), for the audit event
     */
    public Uni<MedhookPrincipal> authenticate(byte[] hash, String via) {
        return Panache.withTransaction(() -> keys.findByHash(hash).chain(k -> {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            if (k == null || !k.activeAt(now)) {
                return Uni.createFrom().<MedhookPrincipal>nullItem();
            }
            MedhookPrincipal p = principal(k);
            Instant previous = k.lastUsedAt;
            Instant threshold = now.minus(TOUCH_INTERVAL);
            if (previous != null && previous.isAfter(threshold)) {
                return Uni.createFrom().item(p);
            }
            return keys.touch(k.id, now, threshold).chain(recorded -> {
                if (!recorded || (previous != null && sameUtcDay(previous, now))) {
                    return Uni.createFrom().item(p);
                }
                AuditContext asKey = new AuditContext(new AuditEvent.Actor(MedhookPrincipal.Kind.API_KEY.claim(),
                        k.id.toString(), k.name), null, null, null);
                return Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(asKey,
                        "api-key.use", "api-key", k.id.toString(), k.workspaceId.toString(),
                        AuditEvent.Outcome.success, Map.of("after", Map.of("firstUseOfDay", now.toString(),
                                "via", via == null ? "unknown" : via)))))
                        .replaceWith(p);
            });
        }));
    }

    /** Introspection for other services: always from the database (their own cache adds the only delay). */
    public Uni<IntrospectionResponse> introspect(String key, String via) {
        if (!ApiKeyTokens.wellFormed(key)) {
            return Uni.createFrom().item(IntrospectionResponse.INACTIVE);
        }
        return authenticate(ApiKeyTokens.sha256(key), via).map(IntrospectionResponse::of);
    }

    static MedhookPrincipal principal(ApiKey k) {
        return new MedhookPrincipal(k.id.toString(), MedhookPrincipal.Kind.API_KEY, k.name, null, Set.of(),
                Map.of(k.workspaceId.toString(), k.role), k.id.toString(), k.expiresAt);
    }

    /** Whether a caller holding {@code held} may hand out {@code requested}: never a role above its own. */
    static boolean mayGrant(WorkspaceRole held, WorkspaceRole requested) {
        return held != null && requested != null && held.satisfies(requested);
    }

    private static void requireGrantable(Admin admin, WorkspaceRole requested) {
        if (!mayGrant(admin.held, requested)) {
            throw MedhookException.forbidden("An API key cannot have a role above its creator's");
        }
    }

    /** Workspace admins (token and database) and confirmed instance owners manage API keys: {@link Access}. */
    private Uni<Admin> authorizeAdmin(MedhookPrincipal caller, String workspaceId) {
        return access.requireWorkspaceAdmin(caller, Ids.uuidOrNotFound(workspaceId, "Workspace"))
                .map(a -> new Admin(a.user().id, a.workspace(), WorkspaceRole.ADMIN));
    }

    private Uni<ApiKey> find(Admin admin, String keyId) {
        UUID id;
        try {
            id = Ids.uuidOrNotFound(keyId, "API key");
        } catch (MedhookException e) {
            return Uni.createFrom().failure(e);
        }
        return keys.findInWorkspace(admin.workspace.id, id).map(k -> {
            if (k == null) {
                throw MedhookException.notFound("API key");
            }
            return k;
        });
    }

    private static ApiKey newKey(Admin admin, String name, WorkspaceRole role, Instant expiresAt, String key,
            Instant now) {
        ApiKey k = new ApiKey();
        k.id = Ids.uuidV7();
        k.workspaceId = admin.workspace.id;
        k.name = name;
        k.role = role.claim();
        k.prefix = ApiKeyTokens.displayPrefix(key);
        k.keyHash = ApiKeyTokens.sha256(key);
        k.createdBy = admin.userId;
        k.createdAt = now;
        k.expiresAt = expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.MICROS);
        return k;
    }

    private void forget(byte[] hash) {
        if (hash != null) {
            cache.forget(ApiKeyTokens.fingerprint(hash));
        }
    }

    private static boolean sameUtcDay(Instant a, Instant b) {
        return a.atZone(ZoneOffset.UTC).toLocalDate().equals(b.atZone(ZoneOffset.UTC).toLocalDate());
    }
}
