package io.medhook.audit.event;

import io.medhook.common.audit.AuditContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/** Streamed exports with manifests, and the signed checkpoints that anchor them. */
@Path("/api/v1/audit")
@Tag(name = "audit")
@RolesAllowed("user")
public class ExportResource {

    static final String NDJSON = "application/x-ndjson";
    static final String CSV = "text/csv";

    private final ExportService exports;
    private final CheckpointService checkpoints;
    private final CheckpointSigner signer;
    private final AuditAccess access;
    private final SecurityIdentity identity;

    public ExportResource(ExportService exports, CheckpointService checkpoints, CheckpointSigner signer,
            AuditAccess access, SecurityIdentity identity) {
        this.exports = exports;
        this.checkpoints = checkpoints;
        this.signer = signer;
        this.access = access;
        this.identity = identity;
    }

    @GET
    @Path("/export")
    // one build-time type (a Multi cannot negotiate); the real one, ndjson or csv, is set in the response headers
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Export events, streamed, in seq order",
            description = "The owner exports the whole chain; admins and auditors one workspace (workspaceId). NDJSON "
                    + "ends with a {\"manifest\": …} line; for CSV fetch /export/manifest with the bounds answered in "
                    + "the X-Medhook-Export-From-Seq and X-Medhook-Export-To-Seq headers. Each export is audited.")
    @APIResponse(responseCode = "200", description = "The events")
    @APIResponse(responseCode = "400", description = "Bad format, bounds, or a missing workspaceId")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not an owner, admin or auditor")
    @APIResponse(responseCode = "404", description = "Not a member of that workspace")
    public RestMulti<String> export(
            @Parameter(description = "ndjson (default) or csv") @QueryParam("format") String format,
            @QueryParam("workspaceId") String workspaceId, @QueryParam("fromSeq") String fromSeq,
            @QueryParam("toSeq") String toSeq, RoutingContext rc) {
        String f = format == null || format.isBlank() ? "ndjson" : format;
        if (!f.equals("ndjson") && !f.equals("csv")) {
            throw AuditQueryService.badParameter("format", "must be ndjson or csv");
        }
        Uni<ExportService.Range> range = exports.resolve(identity, workspaceId, fromSeq, toSeq, f,
                AuditContext.of(identity, rc));
        return RestMulti.fromUniResponse(range,
                r -> f.equals("csv") ? exports.csv(r) : exports.ndjson(r),
                r -> Map.of("Content-Type", List.of(f.equals("csv") ? CSV + "; charset=utf-8" : NDJSON),
                        "Content-Disposition", List.of("attachment; filename=\"medhook-audit-" + r.fromSeq() + "-"
                                + r.toSeq() + "." + f + "\""),
                        "X-Medhook-Export-From-Seq", List.of(String.valueOf(r.fromSeq())),
                        "X-Medhook-Export-To-Seq", List.of(String.valueOf(r.toSeq()))));
    }

    @GET
    @Path("/export/manifest")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The manifest of an export: count, first and last seq, chain hashes at both ends, a signed "
            + "checkpoint at toSeq")
    @APIResponse(responseCode = "200", description = "The manifest")
    public Uni<Map<String, Object>> manifest(@QueryParam("workspaceId") String workspaceId,
            @QueryParam("fromSeq") String fromSeq, @QueryParam("toSeq") String toSeq, RoutingContext rc) {
        return exports.resolve(identity, workspaceId, fromSeq, toSeq, "manifest", AuditContext.of(identity, rc))
                .chain(exports::manifest);
    }

    @GET
    @Path("/checkpoints/latest")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The newest signed checkpoint (seq, hash, createdAt, keyId, signature); 404 before the first")
    @APIResponse(responseCode = "200", description = "The checkpoint")
    @APIResponse(responseCode = "404", description = "No checkpoint yet")
    public Uni<Checkpoint> latestCheckpoint() {
        access.readScope(identity, null);
        return checkpoints.latest().map(c -> {
            if (c == null) {
                throw io.medhook.common.problem.MedhookException.notFound("Checkpoint");
            }
            return c;
        });
    }

    @GET
    @Path("/checkpoints/public-key")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The checkpoint-signing public key: Ed25519, X.509 SubjectPublicKeyInfo, base64, with its id")
    @APIResponse(responseCode = "200", description = "{keyId, algorithm, publicKey}")
    public Map<String, String> publicKey() {
        access.readScope(identity, null);
        return Map.of("keyId", signer.keyId(), "algorithm", "Ed25519", "publicKey", signer.publicKeyBase64());
    }
}
