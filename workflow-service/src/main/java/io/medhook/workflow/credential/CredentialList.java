package io.medhook.workflow.credential;

import java.util.List;

public record CredentialList(List<CredentialView> items) {
}
