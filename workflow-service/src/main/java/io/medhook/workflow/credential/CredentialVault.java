package io.medhook.workflow.credential;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The only way to a credential's secret values: the engine resolves a credential of the execution's workspace when a
 * node needs it. Not reachable over HTTP. A credential of another workspace is "not found"; one whose ciphertext or
 * wrapped key does not belong to it fails with a clear error (500 with an error id if it ever reached a response).
 */
@ApplicationScoped
public class CredentialVault {

    private final CredentialService credentials;
    private final Vertx vertx;

    public CredentialVault(CredentialService credentials, Vertx vertx) {
        this.credentials = credentials;
        this.vertx = vertx;
    }

    /**
     * Resolves a credential. Runs on a fresh, safe duplicated Vert.x context of its own, so the engine (which works on
     * the reactive pool's contexts, outside any request) can call it as well as a request can.
     */
    public Uni<ResolvedCredential> resolve(UUID workspaceId, UUID credentialId) {
        return onOwnContext(() -> Panache.withSession(() -> CredentialService.find(workspaceId, credentialId))
                .chain(c -> credentials.decrypt(c).map(values -> new ResolvedCredential(c.id,
                        CredentialType.fromId(c.type).orElseThrow(), Map.copyOf(values)))));
    }

    /** The types of those of {@code ids} that exist in the workspace (no secrets are read); for validation on save. */
    public Uni<Map<UUID, String>> types(UUID workspaceId, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        Set<UUID> wanted = Set.copyOf(ids);
        return onOwnContext(() -> Panache.withSession(() -> Credential.<Credential>list(
                "workspaceId = ?1 and id in ?2", workspaceId, List.copyOf(wanted))))
                .map(cs -> cs.stream().collect(Collectors.toMap(c -> c.id, c -> c.type)));
    }

    private <T> Uni<T> onOwnContext(java.util.function.Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(em -> {
            Context dup = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(dup, true);
            dup.runOnContext(x -> {
                try {
                    work.get().subscribe().with(em::complete, em::fail);
                } catch (Throwable t) {
                    em.fail(t);
                }
            });
        });
    }
}
