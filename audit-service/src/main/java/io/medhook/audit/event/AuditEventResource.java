package io.medhook.audit.event;

import io.medhook.common.audit.AuditContext;

import io.medhook.common.problem.Problem;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit log's HTTP API. Authorisation beyond the route roles and all logic live in the services. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "audit", description = "The append-only, hash-chained audit log")
public class AuditEventResource {

    private final AuditIngestService ingest;
    private final AuditQueryService query;
    private final ChainVerifier verifier;
    private final AuditAccess access;
    private final SecurityIdentity identity;

    public AuditEventResource(AuditIngestService ingest, AuditQueryService query, ChainVerifier verifier,
            AuditAccess access, SecurityIdentity identity) {
        this.ingest = ingest;
        this.query = query;
        this.verifier = verifier;
        this.access = access;
        this.identity = identity;
    }

    @POST
    @Path("/events/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("service")
    @Operation(summary = "Append a batch of audit events",
            description = "For services with a token for audience medhook-audit. Events already stored (by id) are "
                    + "skipped and counted as duplicates, so a relay may resend a batch safely.")
    @APIResponse(responseCode = "200", description = "Batch stored",
            content = @Content(schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON or a required field missing",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not a service token for medhook-audit")
    @APIResponse(responseCode = "413", description = "More events than one batch may hold")
    public Uni<IngestResult> ingest(IngestBatchRequest request,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        access.requireIngest(identity, authorization);
        return ingest.ingest(request);
    }

    @GET
    @Path("/events")
    @RolesAllowed("user")
    @Operation(summary = "List audit events, newest first",
            description = "The instance owner sees every event; an admin or auditor of a workspace sees that "
                    + "workspace's events. A workspaceId the caller is not a member of answers 404.")
    @APIResponse(responseCode = "200", description = "One page of events",
            content = @Content(schema = @Schema(implementation = AuditEventPage.class)))
    @APIResponse(responseCode = "400", description = "A query parameter is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not an owner, admin or auditor")
    @APIResponse(responseCode = "404", description = "workspaceId names a workspace the caller is not a member of")
    public Uni<AuditEventPage> list(
            @Parameter(description = "Events per page, 1..500 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @QueryParam("action") String action,
            @QueryParam("workspaceId") String workspaceId,
            @QueryParam("actorId") String actorId,
            @QueryParam("resourceType") String resourceType,
            @QueryParam("resourceId") String resourceId,
            @Parameter(description = "ISO-8601 instant, inclusive") @QueryParam("from") String from,
            @Parameter(description = "ISO-8601 instant, exclusive") @QueryParam("to") String to,
            io.vertx.ext.web.RoutingContext rc) {
        return query.list(identity, new ListEventsParams(limit, cursor, action, workspaceId, actorId, resourceType,
                resourceId, from, to), AuditContext.of(identity, rc));
    }

    @GET
    @Path("/verify")
    @RolesAllowed("user")
    @Blocking // hashing a long chain must not hold an event-loop thread
    @Operation(summary = "Verify the hash chain",
            description = "Recomputes every hash from the stored events in seq order. Answers 200 whether the chain "
                    + "is intact or not; intact=false names the first broken link.")
    @APIResponse(responseCode = "200", description = "Verification result",
            content = @Content(schema = @Schema(implementation = VerifyReport.class)))
    @APIResponse(responseCode = "400", description = "fromSeq or toSeq is not valid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not an owner, admin or auditor")
    public VerifyReport verify(
            @Parameter(description = "First seq to check (default 1)") @QueryParam("fromSeq") String fromSeq,
            @Parameter(description = "Last seq to check (default: the head)") @QueryParam("toSeq") String toSeq) {
        return verifier.verify(identity, fromSeq, toSeq);
    }
}
