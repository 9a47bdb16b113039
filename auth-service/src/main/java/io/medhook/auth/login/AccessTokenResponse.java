package io.medhook.auth.login;

/** Login answer: {@code {"access_token","token_type":"Bearer","expires_in":7200}}. */
public record AccessTokenResponse(String access_token, String token_type, long expires_in) {
}
