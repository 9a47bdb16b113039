package io.medhook.common.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/** Turns a verified token into a {@link SecurityIdentity} whose principal is a {@link MedhookPrincipal}. */
@ApplicationScoped
public class MedhookIdentityProvider implements IdentityProvider<MedhookTokenRequest> {

    private static final Logger LOG = Logger.getLogger(MedhookIdentityProvider.class);

    /** Identity role every user carries, beside its instance roles. */
    public static final String ROLE_USER = "user";
    /** Identity role every service client carries. */
    public static final String ROLE_SERVICE = "service";

    private final JwtVerifier verifier;
    private final Instance<ApiKeyVerifier> apiKeys;
    private final RevocationCheck revocations;

    public MedhookIdentityProvider(JwtVerifier verifier, Instance<ApiKeyVerifier> apiKeys,
            RevocationCheck revocations) {
        this.verifier = verifier;
        this.apiKeys = apiKeys;
        this.revocations = revocations;
    }

    @Override
    public Class<MedhookTokenRequest> getRequestType() {
        return MedhookTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(MedhookTokenRequest request, AuthenticationRequestContext context) {
        String credential = request.token();
        Uni<MedhookPrincipal> principal;
        if (credential.startsWith(ApiKeyVerifier.PREFIX)) {
            principal = apiKeys.isResolvable() ? apiKeys.get().verify(credential)
                    : Uni.createFrom().failure(new InvalidTokenException("API keys are not accepted here"));
        } else {
            principal = verifier.verify(credential);
        }
        return principal
                .invoke(p -> {
                    if (revocations.isSessionRevoked(p.sessionId())) {
                        throw new InvalidTokenException("the session was revoked");
                    }
                })
                .map(MedhookIdentityProvider::identity)
                .onFailure().transform(e -> {
                    LOG.debugf("rejected credential: %s", e instanceof InvalidTokenException ? e.getMessage()
                            : e.getClass().getSimpleName());
                    return new AuthenticationFailedException("invalid credential");
                });
    }

    public static SecurityIdentity identity(MedhookPrincipal p) {
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder().setPrincipal(p).addRoles(p.roles());
        b.addRole(p.kind() == MedhookPrincipal.Kind.SERVICE ? ROLE_SERVICE : ROLE_USER);
        return b.build();
    }
}
