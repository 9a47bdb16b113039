package io.medhook.common.secrets;

import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import java.util.Map;

/**
 * The secrets backend (Vault) cannot be reached, is sealed, or refused the call: the operation fails closed (nothing is
 * decrypted, nothing is written unencrypted). A 503 problem; the detail names no path, key or value.
 */
public final class SecretsUnavailableException extends MedhookException {

    public SecretsUnavailableException(Throwable cause) {
        super(ErrorKind.UNAVAILABLE, "The key service is unavailable; nothing was decrypted or stored. Try again later.",
                Map.of(), cause);
    }
}
