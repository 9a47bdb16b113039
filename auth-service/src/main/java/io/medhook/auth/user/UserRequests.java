package io.medhook.auth.user;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** Request bodies of the user API. */
public final class UserRequests {

    private UserRequests() {
    }

    /** A local user (password login); OIDC users are created at their first login. */
    public record Create(
            @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9._@\\-]{2,63}", message = "3-64 lower-case letters, digits, . _ @ -") String username,
            @Size(max = 200) String displayName,
            @NotBlank @Size(min = 12, max = 256, message = "must have 12 to 256 characters") String password) {

        @Override
        public String toString() {
            return "Create[username=" + username + "]";
        }
    }

    /** Changes to a user; absent fields stay as they are. */
    public record Update(Boolean disabled, Boolean owner, @Size(max = 200) String displayName) {
    }

    public record UserList(List<UserView> items) {
    }
}
