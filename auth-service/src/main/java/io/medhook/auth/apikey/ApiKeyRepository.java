package io.medhook.auth.apikey;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKey, UUID> {

    /** The key whose SHA-256 is {@code hash}; an index lookup, so no comparison of secrets happens in Java. */
    public Uni<ApiKey> findByHash(byte[] hash) {
        return find("keyHash", hash).firstResult();
    }

    /** A key of one workspace; keys of other workspaces are invisible. */
    public Uni<ApiKey> findInWorkspace(UUID workspaceId, UUID id) {
        return find("id = ?1 and workspaceId = ?2", id, workspaceId).firstResult();
    }

    public Uni<List<ApiKey>> listByWorkspace(UUID workspaceId) {
        return list("workspaceId = ?1 order by createdAt desc, id desc", workspaceId);
    }

    /**
     * Records a use when the last recorded one is older than {@code threshold}. Concurrent callers race on the row:
     * exactly one of them updates it, so the once-a-minute write (and the daily audit event) happens once.
     *
     * @return whether this call recorded the use
     */
    public Uni<Boolean> touch(UUID id, Instant now, Instant threshold) {
        return getSession().chain(s -> s.createNativeQuery("update api_key set last_used_at = :now where id = :id "
                + "and (last_used_at is null or last_used_at < :threshold)")
                .setParameter("now", now)
                .setParameter("id", id)
                .setParameter("threshold", threshold)
                .executeUpdate())
                .map(n -> n == 1);
    }
}
