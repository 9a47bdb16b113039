package io.medhook.auth.license;

import io.medhook.common.audit.AuditContext;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The instance's license; instance owners only (token and database). */
@Path("/api/v1/license")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("owner")
@SecurityRequirement(name = "bearer")
public class LicenseResource {

    private final LicenseService service;
    private final SecurityIdentity identity;

    public LicenseResource(LicenseService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Install a license key (MHL1.…); only its SHA-256 and its verified claims are stored")
    @APIResponse(responseCode = "200", description = "The license now in force: claims, status, fingerprint")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an instance owner")
    @APIResponse(responseCode = "422", description = "Refused: reason format, signature, claims, expired or not-yet-valid")
    public Uni<LicenseView> install(@Valid @NotNull InstallLicenseRequest body, RoutingContext rc) {
        return service.install(WorkspaceRole.caller(identity), body, AuditContext.of(identity, rc));
    }

    @GET
    @Operation(summary = "The license in force: plan, limits, expiry, status (active or expired)")
    @APIResponse(responseCode = "200", description = "The license")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an instance owner")
    @APIResponse(responseCode = "404", description = "No license installed")
    public Uni<LicenseView> current() {
        return service.current(WorkspaceRole.caller(identity));
    }
}
