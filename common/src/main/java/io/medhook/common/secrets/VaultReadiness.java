package io.medhook.common.secrets;

import io.quarkus.vault.VaultSystemBackendReactiveEngine;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the secrets backend. With {@code medhook.secrets.provider=vault} the service is not ready while Vault is
 * unreachable or sealed ({@code sys/health}), with a message saying which; there is no fallback to another source.
 * With the local key file it is always up.
 */
@Readiness
@ApplicationScoped
public class VaultReadiness implements AsyncHealthCheck {

    private final SecretsConfig config;
    private final Instance<VaultSystemBackendReactiveEngine> sys;

    public VaultReadiness(SecretsConfig config, Instance<VaultSystemBackendReactiveEngine> sys) {
        this.config = config;
        this.sys = sys;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!SecretsGuard.vault(config)) {
            return Uni.createFrom().item(HealthCheckResponse.named("secrets").up()
                    .withData("provider", config.provider()).build());
        }
        return Uni.createFrom().deferred(() -> sys.get().healthStatus())
                .ifNoItem().after(config.vault().timeout()).fail()
                .map(h -> h.isSealed()
                        ? down("Vault is sealed: secrets cannot be decrypted until it is unsealed")
                        : HealthCheckResponse.named("secrets").up().withData("provider", "vault").build())
                .onFailure().recoverWithItem(e -> sealedAnswer(e)
                        ? down("Vault is sealed: secrets cannot be decrypted until it is unsealed")
                        : down("Vault is unreachable: secrets cannot be decrypted"));
    }

    private static boolean sealedAnswer(Throwable e) {
        return e instanceof io.quarkus.vault.client.VaultClientException vce && vce.getStatus() != null
                && vce.getStatus() == 503;
    }

    private static HealthCheckResponse down(String message) {
        return HealthCheckResponse.named("secrets").down().withData("provider", "vault").withData("reason", message)
                .build();
    }
}
