package io.medhook.auth.oidc;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class OidcIdentityRepository implements PanacheRepositoryBase<OidcIdentity, OidcIdentity.Key> {

    public Uni<OidcIdentity> find(String issuer, String subject) {
        return findById(new OidcIdentity.Key(issuer, subject));
    }
}
