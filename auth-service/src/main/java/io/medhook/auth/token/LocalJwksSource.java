package io.medhook.auth.token;

import io.medhook.common.security.InvalidTokenException;
import io.medhook.common.security.JwksSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PublicKey;

/** auth-service verifies its own tokens against the keys it holds, without an HTTP round trip to itself. */
@ApplicationScoped
public class LocalJwksSource implements JwksSource {

    private final SigningKeys keys;

    public LocalJwksSource(SigningKeys keys) {
        this.keys = keys;
    }

    @Override
    public Uni<PublicKey> key(String kid) {
        PublicKey k = keys.publicKey(kid);
        return k != null ? Uni.createFrom().item(k)
                : Uni.createFrom().failure(new InvalidTokenException("token signed with an unknown key"));
    }
}
