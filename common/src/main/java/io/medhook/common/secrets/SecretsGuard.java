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
        return vault(config.provider());
    }

    static boolean vault(String provider) {
        return switch (provider) {
            case "vault" -> true;
            case "local", "none" -> false;
            default -> throw new IllegalStateException("medhook.secrets.provider must be local, vault or none");
        };
    }

    static void refuseLocalInProd(SecretsConfig config) {
        refuseLocalInProd(config.provider(), ConfigUtils.getProfiles());
    }

    /** Throws when {@code provider} is {@code local} and the active profiles include {@code prod}. */
    static void refuseLocalInProd(String provider, java.util.List<String> profiles) {
        vault(provider); // rejects unknown providers
        if ("local".equals(provider) && profiles.contains("prod")) {
            throw new IllegalStateException("medhook.secrets.provider=local is refused in the prod profile: "
                    + "production secrets come from Vault (medhook.secrets.provider=vault)");
        }
    }
}
