package io.medhook.sandbox.execution;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.Problem;
import io.medhook.common.web.RequestIds;
import io.medhook.sandbox.SandboxConfig;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Internal API for workflow-service: run one script. Only service tokens minted for the {@code medhook-sandbox}
 * audience get here (the audience is checked by medhook-common's verifier, the role below).
 */
@Path("/api/v1/sandbox/executions")
@RolesAllowed("service")
@Tag(name = "Executions", description = "Run untrusted JavaScript in an isolated GraalJS context")
public class ExecutionResource {

    private static final Logger LOG = Logger.getLogger(ExecutionResource.class);

    private final ScriptRunner runner;
    private final ObjectMapper mapper;
    private final int maxRequestBytes;

    public ExecutionResource(ScriptRunner runner, ObjectMapper mapper, SandboxConfig config) {
        this.runner = runner;
        this.mapper = mapper;
        this.maxRequestBytes = config.limits().requestBytes();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a script",
            description = "Evaluates `source` as the body of `function(input)` in a fresh, isolated context and "
                    + "returns what it returns, with its console output, duration and resource use. `timeoutMs` and "
                    + "`memoryBytes` may lower the service's limits, never raise them. A script that fails still "
                    + "answers 200 with status `failed` and `error.type`: `timeout` (wall-clock or statement limit), "
                    + "`memory_limit` (memory budget, heap pressure, string, array buffer or array operation size), "
                    + "`output_limit` (output too large or too deep), `forbidden` (a host, polyglot, Node.js or "
                    + "browser global the sandbox lacks, such as `Java`, `require`, `process`, `setTimeout`, `fetch`) "
                    + "or `script_error` (syntax error, uncaught exception, async or non-JSON result). Messages never "
                    + "carry host stack traces or class names.")
    @APIResponse(responseCode = "200", description = "The script ran; see `status`",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RunScriptResult.class)))
    @APIResponse(responseCode = "400",
            description = "Missing or oversized source, timeoutMs or memoryBytes below 1, malformed JSON",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid service token for audience medhook-sandbox",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "A valid token that is not a service token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413",
            description = "Request body, or the input once serialized, larger than the configured limit",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Every execution slot and queue place is taken; see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RunScriptRequest.class)))
    public CompletionStage<RunScriptResult> run(byte[] body) {
        // read as bytes so the size limit is exact for any transfer encoding and answers problem+json
        return runner.submit(RunScriptRequest.read(body, maxRequestBytes, mapper));
    }

    /** Load shedding is expected under bursts: a warning with an error id, and a hint when to come back. */
    @ServerExceptionMapper
    public Response busy(SandboxBusyException e, ContainerRequestContext request) {
        String errorId = UUID.randomUUID().toString();
        LOG.warnf("errorId=%s execution refused: every slot and queue place is taken", errorId);
        String requestId = RequestIds.of(request);
        Problem problem = new Problem(ErrorKind.UNAVAILABLE.type(), ErrorKind.UNAVAILABLE.title(),
                ErrorKind.UNAVAILABLE.status(), e.getMessage(),
                requestId == null ? null : "urn:medhook:request:" + requestId, errorId, Map.of());
        return Response.status(ErrorKind.UNAVAILABLE.status())
                .type(Problem.MEDIA_TYPE)
                .header(HttpHeaders.RETRY_AFTER, SandboxBusyException.RETRY_AFTER_SECONDS)
                .entity(problem)
                .build();
    }
}
