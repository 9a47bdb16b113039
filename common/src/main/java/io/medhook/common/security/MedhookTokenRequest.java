package io.medhook.common.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer credential presented to a MedHook service. */
public class MedhookTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public MedhookTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
