package io.medhook.auth.workspace;

import java.time.Instant;

/** A workspace as its members see it. */
public record WorkspaceView(String id, String name, String kind, String role, Instant createdAt) {

    static WorkspaceView of(Workspace w, String role) {
        return new WorkspaceView(w.id.toString(), w.name, w.kind, role, w.createdAt);
    }
}
