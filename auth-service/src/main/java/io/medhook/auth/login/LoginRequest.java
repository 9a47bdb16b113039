package io.medhook.auth.login;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

public record LoginRequest(@NotBlank @Size(max = 128) String username, @NotBlank @Size(max = 1024) String password) {

    @Override
    public String toString() {
        return "LoginRequest[username=" + username + "]"; // never the password
    }
}
