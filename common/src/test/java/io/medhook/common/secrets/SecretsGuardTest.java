package io.medhook.common.secrets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The prod profile refuses the local key file; other profiles and the other providers pass. */
class SecretsGuardTest {

    @Test
    void prodRefusesTheLocalKeyFile() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SecretsGuard.refuseLocalInProd("local", List.of("prod")));
        assertTrue(e.getMessage().contains("refused in the prod profile"));
    }

    @Test
    void prodAcceptsVaultAndNone() {
        assertDoesNotThrow(() -> SecretsGuard.refuseLocalInProd("vault", List.of("prod")));
        assertDoesNotThrow(() -> SecretsGuard.refuseLocalInProd("none", List.of("prod")));
    }

    @Test
    void otherProfilesKeepTheLocalKeyFile() {
        assertDoesNotThrow(() -> SecretsGuard.refuseLocalInProd("local", List.of("local")));
        assertDoesNotThrow(() -> SecretsGuard.refuseLocalInProd("local", List.of("test")));
        assertDoesNotThrow(() -> SecretsGuard.refuseLocalInProd("local", List.of("dev")));
    }

    @Test
    void unknownProviderIsRefused() {
        assertThrows(IllegalStateException.class, () -> SecretsGuard.refuseLocalInProd("file", List.of("dev")));
        assertTrue(SecretsGuard.vault("vault"));
        assertFalse(SecretsGuard.vault("local"));
    }
}
