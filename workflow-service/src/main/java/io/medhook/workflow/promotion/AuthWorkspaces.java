package io.medhook.workflow.promotion;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Asks auth-service, with the caller's own token, which workspaces the caller belongs to, of which kind
 * ({@code sandbox} or {@code production}) and with which role now: the token's claims may be up to two hours old, and
 * an admin action needs the claim and the current database role to agree. workflow-service has no other source for a
 * workspace's kind.
 */
@ApplicationScoped
public class AuthWorkspaces {

    private final AuthWorkspacesRestClient rest;

    public AuthWorkspaces(@RestClient AuthWorkspacesRestClient rest) {
        this.rest = rest;
    }

    /** The caller's own token (bearer header, or the console's session cookie), to ask auth-service as the caller. */
    public static String bearer(io.vertx.ext.web.RoutingContext rc) {
        String h = rc.request().getHeader("Authorization");
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return h.substring(7).strip();
        }
        var cookie = rc.request().getCookie(io.medhook.common.security.MedhookAuthMechanism.SESSION_COOKIE);
        return cookie == null ? null : cookie.getValue();
    }

    /**
     * The kind of one of the caller's workspaces as auth-service says now ({@code sandbox} or {@code production}), or
     * null when it cannot say: the caller is not a user (API keys and services are not listed), has no token here, is
     * not a member, or auth-service did not answer. Callers then fall back to their configured default.
     */
    public Uni<String> kindOrNull(io.medhook.common.security.MedhookPrincipal caller, String bearerToken,
            String workspaceId) {
        if (caller == null || caller.kind() != io.medhook.common.security.MedhookPrincipal.Kind.USER
                || bearerToken == null) {
            return Uni.createFrom().nullItem();
        }
        return of(bearerToken).map(m -> m.get(workspaceId)).map(i -> i == null ? null : i.kind())
                .onFailure().recoverWithNull();
    }

    /** The caller's workspaces by id; 401 when auth-service does not accept the token, 503 when it cannot answer. */
    @Timeout(10_000)
    public Uni<Map<String, AuthWorkspaceList.Item>> of(String bearerToken) {
        return rest.list("Bearer " + bearerToken)
                .map(list -> {
                    Map<String, AuthWorkspaceList.Item> out = new HashMap<>();
                    if (list != null && list.items() != null) {
                        list.items().forEach(i -> out.put(i.id(), i));
                    }
                    return out;
                })
                .onFailure(f -> !(f instanceof MedhookException)).transform(f -> {
                    if (f instanceof jakarta.ws.rs.WebApplicationException w
                            && w.getResponse().getStatus() == 401) {
                        return MedhookException.unauthorized("auth-service did not accept the token");
                    }
                    return new MedhookException(ErrorKind.UNAVAILABLE,
                            "auth-service could not confirm the workspaces; try again");
                });
    }
}
