package io.medhook.common.secrets;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses to start the {@code prod} profile with the local key-file implementation: production secrets come from
 * Vault, never from a weaker source. Dev, tests and {@code ./medhook up} (profile {@code local}) keep the key file.
 */
@ApplicationScoped
public class SecretsGuard {

    void onStart(@Observes StartupEvent event, SecretsConfig config) {
        refuseLocalInProd(config);
    }

    static boolean none(SecretsConfig config) {
        return "none".equals(config.provider());
    }

    static boolean vault(SecretsConfig config) {
        return switch (config.provider()) {
            case "vault" -> true;
            case "local", "none" -> false;
            default -> throw new IllegalStateException("medhook.secrets.provider must be local, vault or none");
        };
    }

    static void refuseLocalInProd(SecretsConfig config) {
        if ("local".equals(config.provider()) && ConfigUtils.getProfiles().contains("prod")) {
            throw new IllegalStateException("medhook.secrets.provider=local is refused in the prod profile: "
                    + "production secrets come from Vault (medhook.secrets.provider=vault)");
        }
    }
}
