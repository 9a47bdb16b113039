package io.medhook.workflow.promotion;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** auth-service's list of the caller's workspaces (kind and current role, from its database). */
@RegisterRestClient(configKey = "auth")
@Path("/api/v1/workspaces")
public interface AuthWorkspacesRestClient {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    Uni<AuthWorkspaceList> list(@HeaderParam("Authorization") String authorization);
}
