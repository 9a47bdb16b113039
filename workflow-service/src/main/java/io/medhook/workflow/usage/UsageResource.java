package io.medhook.workflow.usage;

import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.security.WorkspaceRole;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Internal: the instance's aggregate usage, for auth-service's usage report (which adds the license and checks that
 * the caller is an instance owner). Only the service clients named in {@code medhook.workflow.usage.clients} may call.
 */
@Path("/internal/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("service")
public class UsageResource {

    private final UsageService service;
    private final SecurityIdentity identity;
    private final List<String> clients;

    public UsageResource(UsageService service, SecurityIdentity identity,
            @ConfigProperty(name = "medhook.workflow.usage.clients", defaultValue = "auth-service") List<String> clients) {
        this.service = service;
        this.identity = identity;
        this.clients = clients;
    }

    @GET
    @Operation(summary = "Aggregate counters per day or month (UTC): executions by outcome, credits (node runs); totals")
    @APIResponse(responseCode = "200", description = "The report: counts and dates only")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not a service client allowed to read usage")
    @APIResponse(responseCode = "422", description = "Bad period or range")
    public Uni<UsageReport> report(@QueryParam("period") String period, @QueryParam("from") String from,
            @QueryParam("to") String to) {
        MedhookPrincipal p = WorkspaceRole.caller(identity);
        if (p.kind() != MedhookPrincipal.Kind.SERVICE || !clients.contains(p.subject())) {
            throw MedhookException.forbidden("Usage is read through auth-service");
        }
        return service.report(period, from, to);
    }
}
