package io.medhook.workflow.sandbox;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** sandbox-service's internal API. */
@RegisterRestClient(configKey = "sandbox")
@Path("/api/v1/sandbox/executions")
public interface SandboxRestClient {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<SandboxResult> run(@HeaderParam("Authorization") String authorization, SandboxRequest request);
}
