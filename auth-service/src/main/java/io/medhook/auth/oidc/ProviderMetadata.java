package io.medhook.auth.oidc;

import java.util.List;

/** The parts of a provider's discovery document the login flow uses. */
public record ProviderMetadata(String issuer, String authorizationEndpoint, String tokenEndpoint, String jwksUri,
        List<String> tokenEndpointAuthMethods, List<String> codeChallengeMethods) {

    /** RFC 6749 §2.3.1: client_secret_basic is the default when the provider lists nothing. */
    public boolean prefersBasicAuth() {
        return tokenEndpointAuthMethods.isEmpty() || tokenEndpointAuthMethods.contains("client_secret_basic");
    }
}
