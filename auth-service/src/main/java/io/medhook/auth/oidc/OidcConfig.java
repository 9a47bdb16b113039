package io.medhook.auth.oidc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** OpenID Connect login: the identity providers users may sign in with (authorization code + PKCE). */
@ConfigMapping(prefix = "medhook.auth.oidc")
public interface OidcConfig {

    /** Providers by id (the id appears in the login and callback paths: {@code [a-z0-9-]+}). */
    Map<String, Provider> providers();

    /**
     * External base URL of auth-service ({@code https://medhook.example.org}) used to build the callback URL
     * registered at each provider; when absent, the scheme and host of the login request are used.
     */
    Optional<String> publicUrl();

    /** How long a started login may take at the provider before its state expires. */
    @WithDefault("10m")
    Duration flowTimeout();

    /** Where the browser goes after a successful login, unless the login start named a local {@code return_to}. */
    @WithDefault("/")
    String afterLoginPath();

    /** Timeout of each call to a provider (discovery, JWKS, token endpoint). */
    @WithDefault("10s")
    Duration providerTimeout();

    /** Allowed clock skew when checking the ID token's {@code exp} and {@code iat}. */
    @WithDefault("30s")
    Duration clockSkew();

    interface Provider {
        /** Issuer URL; discovery is read from {@code <issuer>/.well-known/openid-configuration}. */
        String issuer();

        /** OAuth 2.0 client id registered at the provider. */
        String clientId();

        /**
         * Name of the client secret in the secrets interface (Vault in production, local files in dev/test); default
         * {@code oidc/<provider-id>/client-secret}.
         */
        Optional<String> clientSecretName();

        /** Name shown on the login page; default the provider id. */
        Optional<String> displayName();

        /** Scopes requested besides {@code openid}. */
        @WithDefault("email,profile")
        List<String> scopes();

        /** Whether a first login through this provider creates a MedHook user, whatever the e-mail domain. */
        @WithDefault("false")
        boolean createUsers();

        /**
         * E-mail domains whose users a first login through this provider creates (only with {@code email_verified}
         * true); empty when only {@code create-users} decides.
         */
        Optional<List<String>> allowedEmailDomains();

        /** Whether this provider is offered at all. */
        @WithDefault("true")
        boolean enabled();
    }
}
