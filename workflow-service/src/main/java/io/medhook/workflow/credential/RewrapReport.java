package io.medhook.workflow.credential;

import java.util.List;

/**
 * The outcome of re-wrapping every credential's data key under the current key-encryption key.
 *
 * @param currentKey the current key's version prefix as the secrets implementation writes it (e.g. {@code vault:v3}),
 *        or null when wrapped keys do not carry one (then every key is re-wrapped)
 * @param scanned credentials looked at
 * @param rewrapped data keys wrapped again under the current key
 * @param alreadyCurrent data keys already wrapped by the current key (left alone)
 * @param changedMeanwhile credentials updated while the job ran (their new key is wrapped by the current key already)
 * @param failed ids of credentials whose data key could not be unwrapped (their KEK version is gone, or the row was
 *        altered); they are left as they were
 * @param executions the same for execution payload data keys
 * @param workflows the same for workflow (webhook token) data keys
 */
public record RewrapReport(String currentKey, int scanned, int rewrapped, int alreadyCurrent, int changedMeanwhile,
        List<String> failed, Table executions, Table workflows) {

    /**
     * The same counts for the data keys of another table: execution payloads ({@code execution.data_key_wrapped},
     * context {@code execution/<ws>/<id>}) and workflow webhook tokens ({@code workflow.data_key_wrapped}). Rows
     * whose payloads were discarded or purged have no data key and are not scanned.
     */
    public record Table(int scanned, int rewrapped, int alreadyCurrent, int changedMeanwhile, List<String> failed) {
    }
}
