package io.medhook.workflow.credential;

import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;
import java.util.List;
import java.util.Map;

/**
 * What the audit trail keeps of a credential ({@code credential.*} events, through {@code AuditChange}).
 *
 * @param fields the non-secret fields (token URL, client id, user name, header name, …) in clear
 * @param secretFieldsSet names of the secret fields that are set: names only, so clear
 * @param secrets the secret fields' values, declared secret: an event shows {@code "[secret]"}, and on update lists
 *        {@code secrets} as changed exactly when a secret value changed, never what it was
 */
public record CredentialAudit(String name, String type, int version, Map<String, String> fields,
        @Sensitive(Sensitivity.CLEAR) List<String> secretFieldsSet,
        @Sensitive(Sensitivity.SECRET) Map<String, String> secrets) {
}
