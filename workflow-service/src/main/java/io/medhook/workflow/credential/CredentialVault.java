package io.medhook.workflow.credential;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;

/**
 * The only way to a credential's secret values: the engine resolves a credential of the execution's workspace when a
 * node needs it. Not reachable over HTTP. A credential of another workspace is "not found"; one whose ciphertext or
 * wrapped key does not belong to it fails with a clear error (500 with an error id if it ever reached a response).
 */
@ApplicationScoped
public class CredentialVault {

    private final CredentialService credentials;

    public CredentialVault(CredentialService credentials) {
        this.credentials = credentials;
    }

    public Uni<ResolvedCredential> resolve(UUID workspaceId, UUID credentialId) {
        return Panache.withSession(() -> CredentialService.find(workspaceId, credentialId))
                .chain(c -> credentials.decrypt(c).map(values -> new ResolvedCredential(c.id,
                        CredentialType.fromId(c.type).orElseThrow(), Map.copyOf(values))));
    }
}
