package io.medhook.auth.token;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/.well-known/jwks.json")
public class JwksResource {

    private final SigningKeys keys;

    public JwksResource(SigningKeys keys) {
        this.keys = keys;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Public signing keys (RS256) of every token that may still be valid")
    public Response jwks() {
        return Response.ok(keys.jwks()).header("Cache-Control", "public, max-age=300").build();
    }
}
