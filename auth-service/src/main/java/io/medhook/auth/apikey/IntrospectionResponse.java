package io.medhook.auth.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.medhook.common.security.MedhookPrincipal;
import java.time.Instant;
import java.util.Map;

/** {@code {"active":false}} or {@code {"active":true,"principal":{…}}}, the principal model every service sees. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntrospectionResponse(boolean active, Principal principal) {

    public static final IntrospectionResponse INACTIVE = new IntrospectionResponse(false, null);

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Principal(String subject, String kind, String name, Map<String, String> workspaces,
            Instant expiresAt) {
    }

    static IntrospectionResponse of(MedhookPrincipal p) {
        return p == null ? INACTIVE : new IntrospectionResponse(true, new Principal(p.subject(), p.kind().claim(),
                p.name(), p.workspaces(), p.expiresAt()));
    }
}
