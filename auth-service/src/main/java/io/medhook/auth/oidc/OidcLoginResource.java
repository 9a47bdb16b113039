package io.medhook.auth.oidc;

import io.medhook.auth.login.AccessTokenResponse;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * OpenID Connect login endpoints: the list of providers (JSON, or an HTML login page), the start of a login, and the
 * provider's callback. All are anonymous; they hold no persistence or protocol logic (see {@link OidcLoginService}).
 */
@Path("/api/v1/auth/oidc")
public class OidcLoginResource {

    /** The providers a user may log in with. */
    public record ProviderList(List<OidcLoginService.ProviderView> items) {
    }

    private final OidcLoginService service;

    public OidcLoginResource(OidcLoginService service) {
        this.service = service;
    }

    @GET
    @Path("/providers")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The identity providers configured for login, with the path that starts a login at each")
    public ProviderList providers() {
        return new ProviderList(service.providers());
    }

    @GET
    @Path("/login")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "A minimal login page listing the identity providers")
    public Response loginPage() {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sign in to MedHook</title></head><body><h1>Sign in to MedHook</h1><ul>");
        for (OidcLoginService.ProviderView p : service.providers()) {
            html.append("<li><a href=\"").append(escape(p.loginUrl())).append("\">Sign in with ")
                    .append(escape(p.name())).append("</a></li>");
        }
        html.append("</ul></body></html>");
        return Response.ok(html.toString(), MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Content-Security-Policy", "default-src 'none'")
                .header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/{provider}/login")
    @Operation(summary = "Start an authorization-code login with PKCE at a provider (302 to the provider)")
    @APIResponse(responseCode = "302", description = "Redirect to the provider's authorization endpoint")
    @APIResponse(responseCode = "404", description = "Unknown provider")
    @APIResponse(responseCode = "502", description = "The provider's discovery document is not available")
    public Uni<Response> start(@PathParam("provider") String provider, @QueryParam("return_to") String returnTo,
            RoutingContext rc) {
        return service.start(provider, returnTo, baseUrl(rc))
                .map(s -> Response.status(Response.Status.FOUND).location(URI.create(s.authorizationUrl()))
                        .header(HttpHeaders.SET_COOKIE, s.flowCookie())
                        .header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("/{provider}/callback")
    @Operation(summary = "The provider's redirect back: finishes the login, sets the session cookie and returns the "
            + "access token (JSON when asked for application/json, else a page that moves on to the application)")
    @APIResponse(responseCode = "200", description = "Logged in; Set-Cookie medhook_session and medhook_csrf")
    @APIResponse(responseCode = "400", description = "Missing, expired or foreign state; no code")
    @APIResponse(responseCode = "401", description = "The provider refused the code, or the ID token is invalid")
    @APIResponse(responseCode = "403", description = "No account and sign-up not allowed, or account disabled")
    @APIResponse(responseCode = "502", description = "The provider is not reachable")
    public Uni<Response> callback(@PathParam("provider") String provider, @QueryParam("code") String code,
            @QueryParam("state") String state, @QueryParam("error") String error, RoutingContext rc) {
        var flowCookie = rc.request().getCookie(LoginFlowCookie.NAME);
        AuditContext ctx = AuditContext.of(new AuditEvent.Actor("anonymous", null, null), rc);
        boolean json = wantsJson(rc.request().getHeader(HttpHeaders.ACCEPT));
        return service.callback(provider, new OidcLoginService.Callback(code, state, error),
                flowCookie == null ? null : flowCookie.getValue(), baseUrl(rc), ctx)
                .map(done -> {
                    Response.ResponseBuilder r = json
                            ? Response.ok(new AccessTokenResponse(done.accessToken(), "Bearer", done.expiresIn()),
                                    MediaType.APPLICATION_JSON_TYPE)
                            : Response.ok(continuePage(done.returnTo()), MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                                    .header("Content-Security-Policy", "default-src 'none'");
                    return r.header(HttpHeaders.SET_COOKIE, SessionCookies.session(done.accessToken(), done.expiresIn()))
                            .header(HttpHeaders.SET_COOKIE, SessionCookies.csrf(done.expiresIn()))
                            .header(HttpHeaders.SET_COOKIE, LoginFlowCookie.clear())
                            .header("Cache-Control", "no-store")
                            .header("Referrer-Policy", "no-referrer")
                            .build();
                });
    }

    /**
     * The browser arrives here through the provider's cross-site redirect, so a SameSite=Strict cookie set now would
     * not be sent with a further redirect in the same chain; a same-origin page that moves on makes it count.
     */
    private static String continuePage(String returnTo) {
        String to = escape(returnTo);
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"refresh\" content=\"0;url=" + to + "\"><title>Signed in</title></head>"
                + "<body><p>Signed in. <a href=\"" + to + "\">Continue</a></p></body></html>";
    }

    static boolean wantsJson(String accept) {
        if (accept == null) {
            return false;
        }
        String a = accept.toLowerCase(java.util.Locale.ROOT);
        return a.contains("application/json") && !a.contains("text/html");
    }

    /** Scheme and authority of the request as the client used them (honours forwarded headers when enabled). */
    private static String baseUrl(RoutingContext rc) {
        URI u = URI.create(rc.request().absoluteURI());
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
