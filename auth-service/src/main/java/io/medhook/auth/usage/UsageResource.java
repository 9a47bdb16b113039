package io.medhook.auth.usage;

import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** Aggregate usage of the instance beside its license; instance owners only (token and database). */
@Path("/api/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("owner")
@SecurityRequirement(name = "bearer")
public class UsageResource {

    private final UsageService service;
    private final SecurityIdentity identity;

    public UsageResource(UsageService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "License plan and limits, totals, and per-period executions and credits (node runs); "
            + "counts and dates only, never names, payloads, credentials or user identities")
    @APIResponse(responseCode = "200", description = "The report")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Caller is not an instance owner")
    @APIResponse(responseCode = "422", description = "Bad period or range")
    @APIResponse(responseCode = "502", description = "workflow-service did not answer")
    public Uni<UsageReport> report(
            @Parameter(description = "day or month (UTC); default month") @QueryParam("period") String period,
            @Parameter(description = "first day, YYYY-MM-DD; default 30 days or 12 months back") @QueryParam("from") String from,
            @Parameter(description = "last day, YYYY-MM-DD; default today") @QueryParam("to") String to) {
        return service.report(WorkspaceRole.caller(identity), period, from, to);
    }
}
