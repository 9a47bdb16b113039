package io.medhook.auth.workspace;

import java.util.List;

public record WorkspaceList(List<WorkspaceView> items) {
}
