package io.medhook.auth.session;

import io.medhook.auth.access.Access;
import io.medhook.auth.login.LoginSession;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Sessions of any user, for instance owners (checked in the token and in the database). */
@Path("/api/v1/users/{userId}/sessions")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("owner")
public class SessionResource {

    public record SessionView(String id, Instant createdAt, Instant expiresAt, Instant revokedAt,
            String sourceAddress) {
    }

    public record SessionList(List<SessionView> items) {
    }

    private final Access access;
    private final SessionRevoker revoker;
    private final SecurityIdentity identity;

    public SessionResource(Access access, SessionRevoker revoker, SecurityIdentity identity) {
        this.access = access;
        this.revoker = revoker;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "A user's sessions that have not expired")
    public Uni<SessionList> list(@PathParam("userId") String userId) {
        return Panache.withSession(() -> access.requireOwner(WorkspaceRole.caller(identity))
                .chain(() -> LoginSession.<LoginSession>list("userId = ?1 and expiresAt > ?2 order by createdAt desc",
                        Access.uuid(userId), Instant.now())))
                .map(l -> new SessionList(l.stream().map(s -> new SessionView(s.id.toString(), s.createdAt,
                        s.expiresAt, s.revokedAt, s.sourceAddress)).toList()));
    }

    @DELETE
    @Path("/{sessionId}")
    @ResponseStatus(204)
    @Operation(summary = "Revoke a session; every service refuses its tokens within seconds")
    public Uni<Void> revoke(@PathParam("userId") String userId, @PathParam("sessionId") String sessionId,
            RoutingContext rc) {
        AuditContext audit = AuditContext.of(identity, rc);
        return Panache.withTransaction(() -> access.requireOwner(WorkspaceRole.caller(identity))
                .chain(() -> LoginSession.<LoginSession>findById(Access.uuid(sessionId)))
                .chain(s -> {
                    if (s == null || !s.userId.toString().equals(userId)) {
                        throw MedhookException.notFound("Session");
                    }
                    return revoker.revoke(s, "revoked by an owner", audit);
                })).replaceWithVoid();
    }
}
