package io.medhook.common.problem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.medhook.common.web.RequestIds;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become RFC 9457 problem+json responses. Responses never carry exception class names,
 * stack traces, messages of third-party exceptions or payload fragments; 5xx answers carry an {@code errorId} that
 * matches exactly one log line.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response domain(MedhookException e, ContainerRequestContext request) {
        if (e.kind().status() >= 500) {
            String errorId = logServerError(e);
            return respond(e.kind(), e.getMessage(), e.extensions(), request, errorId);
        }
        Response r = respond(e.kind(), e.getMessage(), e.extensions(), request, null);
        Object retryAfter = e.extensions().get("retryAfter");
        return retryAfter == null ? r : Response.fromResponse(r).header("Retry-After", retryAfter).build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, ContainerRequestContext request) {
        String detail;
        if (e instanceof UnrecognizedPropertyException u) {
            detail = "Unknown field '" + safeName(u.getPropertyName()) + "'";
        } else if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            MismatchedInputException m = (MismatchedInputException) e;
            detail = "Field '" + path(m) + "' has the wrong type or format";
        } else {
            detail = "Request body is not valid JSON";
        }
        JsonLocation loc = e.getLocation();
        Map<String, Object> ext = new LinkedHashMap<>();
        if (loc != null && loc.getLineNr() > 0) {
            ext.put("line", loc.getLineNr());
            ext.put("column", loc.getColumnNr());
        }
        return respond(ErrorKind.BAD_REQUEST, detail, ext, request, null);
    }

    /**
     * quarkus-rest-jackson registers its own mapper for {@link MismatchedInputException} (wrong types, unknown enum
     * values, unknown fields) that answers plain JSON; this more specific one keeps those answers problem+json.
     */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, ContainerRequestContext request) {
        return json(e, request);
    }

    @ServerExceptionMapper
    public Response constraint(ConstraintViolationException e, ContainerRequestContext request) {
        List<Map<String, String>> errors = new ArrayList<>();
        for (ConstraintViolation<?> v : e.getConstraintViolations()) {
            String path = String.valueOf(v.getPropertyPath());
            // drop the method and parameter names of the resource method: keep the field path only
            String[] parts = path.split("\\.", 3);
            String field = parts.length == 3 ? parts[2] : parts[parts.length - 1];
            errors.add(Map.of("field", field, "message", v.getMessage()));
        }
        return respond(ErrorKind.BAD_REQUEST, "The request has invalid fields", Map.of("errors", errors), request,
                null);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, ContainerRequestContext request) {
        return unauthorized("The access token is missing, invalid, expired or revoked", request, true);
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, ContainerRequestContext request) {
        return unauthorized("Authentication required", request, false);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ContainerRequestContext request) {
        return respond(ErrorKind.FORBIDDEN, "The caller may not perform this operation", Map.of(), request, null);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, ContainerRequestContext request) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return json(jpe, request);
        }
        ErrorKind kind = ErrorKind.forStatus(status);
        if (status >= 500) {
            String errorId = logServerError(e);
            return respond(kind, "The request could not be completed", Map.of(), request, errorId);
        }
        String detail = switch (status) {
            case 404 -> "No resource at this path";
            case 405 -> "This method is not allowed on this resource";
            case 406 -> "None of the accepted media types can be produced";
            case 413 -> "The request body is too large";
            case 415 -> "This media type is not supported here";
            default -> "The request is not valid";
        };
        return respond(kind, detail, Map.of(), request, null, status);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        String errorId = logServerError(e);
        return respond(ErrorKind.INTERNAL, "The request could not be completed", Map.of(), request, errorId);
    }

    private Response unauthorized(String detail, ContainerRequestContext request, boolean invalidToken) {
        Response r = respond(ErrorKind.UNAUTHORIZED, detail, Map.of(), request, null);
        return Response.fromResponse(r)
                .header(HttpHeaders.WWW_AUTHENTICATE, invalidToken ? "Bearer error=\"invalid_token\"" : "Bearer")
                .build();
    }

    private static Response respond(ErrorKind kind, String detail, Map<String, Object> ext,
            ContainerRequestContext request, String errorId) {
        return respond(kind, detail, ext, request, errorId, kind.status());
    }

    private static Response respond(ErrorKind kind, String detail, Map<String, Object> ext,
            ContainerRequestContext request, String errorId, int status) {
        String requestId = request == null ? null : RequestIds.of(request);
        Problem p = new Problem(kind.type(), kind.title(), status, detail,
                requestId == null ? null : "urn:medhook:request:" + requestId, errorId, ext);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    /** Logs a server-side failure without its message (which may hold data): class chain and top frames only. */
    public static String logServerError(Throwable e) {
        String errorId = UUID.randomUUID().toString();
        LOG.errorf("errorId=%s unexpected failure: %s", errorId, SafeThrowables.describe(e));
        return errorId;
    }

    private static String path(MismatchedInputException m) {
        StringBuilder sb = new StringBuilder();
        for (var ref : m.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(safeName(ref.getFieldName()));
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "(body)" : sb.toString();
    }

    /** Field names come from the client: keep them short and printable. */
    private static String safeName(String name) {
        if (name == null) {
            return "";
        }
        String s = name.replaceAll("[^A-Za-z0-9_.\\-]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
