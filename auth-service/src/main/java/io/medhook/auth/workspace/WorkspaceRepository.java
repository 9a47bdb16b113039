package io.medhook.auth.workspace;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class WorkspaceRepository implements PanacheRepositoryBase<Workspace, UUID> {

    /** Workspaces the user is a member of, with the role held, ordered by name. */
    public Uni<List<Object[]>> withRoles(UUID userId) {
        return getSession().chain(s -> s.createQuery(
                "select w, m.role from Workspace w, Membership m where m.workspaceId = w.id and m.userId = :u "
                        + "order by w.name", Object[].class)
                .setParameter("u", userId).getResultList());
    }

    public Uni<List<Membership>> memberships(UUID userId) {
        return Membership.list("userId", userId);
    }
}
