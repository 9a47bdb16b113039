package io.medhook.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@ConfigMapping(prefix = "medhook.auth")
public interface AuthConfig {

    /** The {@code iss} of every token issued; every service's medhook.security.issuer must equal it. */
    @WithDefault("urn:medhook:auth")
    String issuer();

    /** Lifetime of user access tokens (at most 2 hours). */
    @WithDefault("2h")
    Duration accessTokenLifetime();

    /** Lifetime of client-credentials service tokens. */
    @WithDefault("5m")
    Duration serviceTokenLifetime();

    /** First-start set-up. */
    Bootstrap bootstrap();

    /** Throttling of failed logins. */
    Throttle throttle();

    /** OAuth2 clients of the services, by client id; their secrets come from the secrets interface. */
    Map<String, Client> clients();

    /** License verification. */
    License license();

    /** The usage report. */
    Usage usage();

    interface License {
        /**
         * Extra trusted license-signing public keys (Ed25519, X.509, base64), for tests and development: ignored in
         * production launch mode, where only the vendor key compiled into the service is trusted.
         */
        Optional<List<String>> developmentPublicKeys();
    }

    interface Usage {
        /** workflow-service's base URL (env MEDHOOK_AUTH_USAGE_WORKFLOW_URL). */
        @WithDefault("http://127.0.0.1:8082")
        String workflowUrl();

        /** How long to wait for workflow-service's counters. */
        @WithDefault("10s")
        Duration timeout();
    }

    interface Bootstrap {
        /** Password of the bootstrap admin (env MEDHOOK_ADMIN_PASSWORD); generated on first start when absent. */
        Optional<String> adminPassword();

        /** Where a generated admin password is written, once, with mode 0600. */
        @WithDefault("${user.home}/.medhook/admin-password")
        String passwordFile();

        /** Whether the local bootstrap admin may log in (break-glass); disable once OIDC is set up. */
        @WithDefault("true")
        boolean adminEnabled();
    }

    interface Throttle {
        /** Failed logins of one account within the window after which its logins are refused (429). */
        @WithDefault("5")
        int maxFailuresPerAccount();

        /** Failed logins from one source address within the window after which its logins are refused (429). */
        @WithDefault("20")
        int maxFailuresPerAddress();

        /** The sliding window failures are counted in. */
        @WithDefault("15m")
        Duration window();
    }

    interface Client {
        /** Audiences this client may request tokens for. */
        List<String> audiences();
    }
}
