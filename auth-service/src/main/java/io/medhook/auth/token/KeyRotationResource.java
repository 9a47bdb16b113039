package io.medhook.auth.token;

import io.medhook.auth.access.Access;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;

/** Signing-key rotation (instance owners, checked in the token and in the database). */
@Path("/api/v1/auth/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyRotationResource {

    private static final Logger LOG = Logger.getLogger(KeyRotationResource.class);

    /** The key that signs from now on. */
    public record Rotated(String kid) {
    }

    private final SigningKeys keys;
    private final Access access;
    private final SecurityIdentity identity;

    public KeyRotationResource(SigningKeys keys, Access access, SecurityIdentity identity) {
        this.keys = keys;
        this.access = access;
        this.identity = identity;
    }

    @POST
    @Path("/rotate")
    @RolesAllowed("owner")
    @Operation(summary = "Rotate the signing key; the old public key stays in the JWKS until its tokens expired")
    public Uni<Rotated> rotate(RoutingContext rc) {
        AuditContext audit = AuditContext.of(identity, rc);
        return Panache.withSession(() -> access.requireOwner(WorkspaceRole.caller(identity)))
                .chain(() -> keys.rotate(audit)).map(Rotated::new);
    }

    /** Every replica reloads keys each minute, so a rotation done elsewhere takes over signing here too. */
    @jakarta.enterprise.context.ApplicationScoped
    static class Reloader {
        private final SigningKeys keys;
        private final Vertx vertx;
        private long timer = -1;

        Reloader(SigningKeys keys, Vertx vertx) {
            this.keys = keys;
            this.vertx = vertx;
        }

        void start(@Observes StartupEvent ev) {
            // Panache needs a duplicated Vert.x context: give each run a fresh one
            timer = vertx.setPeriodic(60_000, id -> VertxContext.createNewDuplicatedContext(
                    vertx.getDelegate().getOrCreateContext()).runOnContext(v -> keys.reload().subscribe().with(x -> {
                    }, f -> LOG.warnf("signing key reload failed: %s", f.getClass().getSimpleName()))));
        }

        void stop(@Observes ShutdownEvent ev) {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }
    }
}
