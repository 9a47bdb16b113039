package io.medhook.common.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.credentials.CredentialsProvider;
import java.net.ConnectException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VaultLoginCredentialsTest {

    @Test
    void passesTheLoginThrough() {
        CredentialsProvider vault = new CredentialsProvider() {
            @Override
            public Map<String, String> getCredentials(String name) {
                return Map.of(USER_PROPERTY_NAME, "v-login", PASSWORD_PROPERTY_NAME, "pw");
            }
        };
        assertEquals("v-login", new VaultLoginCredentials(vault, Optional.of("https://vault:8200"))
                .getCredentials("vault-db").get(CredentialsProvider.USER_PROPERTY_NAME));
    }

    @Test
    void saysWhyWhenVaultCannotGiveTheLoginWithoutRepeatingItsText() {
        CredentialsProvider vault = new CredentialsProvider() {
            @Override
            public Map<String, String> getCredentials(String name) {
                throw new RuntimeException("lease v-abc password=hunter2 token hvs.XYZ",
                        new ConnectException("Connection refused: /10.0.0.5:8200"));
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new VaultLoginCredentials(vault, Optional.of("https://vault.vault.svc:8200"))
                        .getCredentials("vault-db"));
        assertTrue(e.getMessage().contains("database login 'vault-db'"), e.getMessage());
        assertTrue(e.getMessage().contains("https://vault.vault.svc:8200"), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("hvs.") , e.getMessage());
        assertEquals(null, e.getCause(), "the cause (with its text) is not carried on");
    }
}
