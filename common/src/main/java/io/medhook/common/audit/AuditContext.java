package io.medhook.common.audit;

import io.medhook.common.security.MedhookPrincipal;
import io.medhook.common.web.RequestIds;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.ext.web.RoutingContext;

/** Who is acting and from where, captured from the current request (or a system job). */
public record AuditContext(AuditEvent.Actor actor, String requestId, String sourceAddress, String userAgent) {

    private static final int MAX_USER_AGENT = 256;

    public static AuditContext of(SecurityIdentity identity, RoutingContext rc) {
        AuditEvent.Actor actor;
        if (identity != null && identity.getPrincipal() instanceof MedhookPrincipal p) {
            actor = new AuditEvent.Actor(p.kind().claim(), p.subject(), p.name());
        } else {
            actor = new AuditEvent.Actor("anonymous", null, null);
        }
        return of(actor, rc);
    }

    public static AuditContext of(AuditEvent.Actor actor, RoutingContext rc) {
        if (rc == null) {
            return new AuditContext(actor, null, null, null);
        }
        String ua = rc.request().getHeader("User-Agent");
        if (ua != null && ua.length() > MAX_USER_AGENT) {
            ua = ua.substring(0, MAX_USER_AGENT);
        }
        String addr = rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
        return new AuditContext(actor, RequestIds.of(rc), addr, ua);
    }

    public static AuditContext system(String name) {
        return new AuditContext(AuditEvent.Actor.system(name), null, null, null);
    }
}
