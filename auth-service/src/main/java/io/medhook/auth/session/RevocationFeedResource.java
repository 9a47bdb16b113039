package io.medhook.auth.session;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The revocation feed services poll (service tokens only): sessions revoked after {@code after} whose tokens may still
 * be unexpired. Polling every 2 s keeps every service within the 5-second revocation bound without a call per request.
 */
@Path("/api/v1/auth/revocations")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("service")
public class RevocationFeedResource {

    /** One revoked session. */
    public record Revoked(long seq, String sessionId, OffsetDateTime expiresAt) {
    }

    /** A page of the feed; pass {@code cursor} as {@code after} next time. */
    public record Feed(long cursor, List<Revoked> items) {
    }

    @GET
    @Operation(summary = "Revoked sessions after a cursor (service tokens only)")
    public Uni<Feed> feed(@QueryParam("after") @DefaultValue("0") long after) {
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                "select seq, session_id::text, expires_at from revocation where seq > :after and expires_at > now() "
                        + "order by seq limit 5000", Object[].class)
                .setParameter("after", after).getResultList()))
                .map(rows -> {
                    List<Revoked> items = new ArrayList<>();
                    long cursor = after;
                    for (Object[] r : rows) {
                        long seq = ((Number) r[0]).longValue();
                        items.add(new Revoked(seq, (String) r[1], toOffset(r[2])));
                        cursor = Math.max(cursor, seq);
                    }
                    return new Feed(cursor, items);
                });
    }

    private static OffsetDateTime toOffset(Object o) {
        if (o instanceof OffsetDateTime odt) {
            return odt;
        }
        if (o instanceof java.time.Instant i) {
            return i.atOffset(java.time.ZoneOffset.UTC);
        }
        if (o instanceof java.sql.Timestamp t) {
            return t.toInstant().atOffset(java.time.ZoneOffset.UTC);
        }
        if (o instanceof java.time.LocalDateTime l) {
            return l.atOffset(java.time.ZoneOffset.UTC);
        }
        throw new IllegalStateException("unexpected timestamp type");
    }
}
