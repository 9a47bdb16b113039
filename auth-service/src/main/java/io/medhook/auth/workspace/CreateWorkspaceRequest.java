package io.medhook.auth.workspace;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

public record CreateWorkspaceRequest(
        @NotBlank @Size(max = 100) String name,
        @NotBlank @Pattern(regexp = "sandbox|production", message = "must be sandbox or production") String kind) {
}
