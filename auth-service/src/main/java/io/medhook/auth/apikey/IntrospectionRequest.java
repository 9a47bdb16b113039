package io.medhook.auth.apikey;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

public record IntrospectionRequest(@NotBlank @Size(max = 256) String key) {

    @Override
    public String toString() {
        return "IntrospectionRequest[key=***]";
    }
}
