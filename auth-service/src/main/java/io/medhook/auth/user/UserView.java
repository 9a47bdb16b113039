package io.medhook.auth.user;

import java.time.Instant;

public record UserView(String id, String username, String displayName, boolean owner, boolean disabled,
        Instant createdAt) {

    public static UserView of(User u) {
        return new UserView(u.id.toString(), u.username, u.displayName, u.owner, u.disabled, u.createdAt);
    }
}
