package io.medhook.common.secrets;

import io.quarkus.arc.Unremovable;
import io.quarkus.credentials.CredentialsProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The database logins' credentials provider in production ({@code quarkus.datasource.credentials-provider-name}):
 * quarkus-vault's own provider ({@code vault-credentials-provider}: dynamic logins from the database engine, or
 * passwords from KV), with one addition. When Vault cannot give a login, quarkus-vault's error is only the transport's
 * ("Connection refused: /10.0.0.5:8200"), and the service fails to start without saying why it asked Vault. This says
 * it: which login (the provider name, never a user name or password), where Vault was expected, and that the service
 * cannot start or open connections until Vault answers. No weaker source is tried.
 */
@ApplicationScoped
@Named(VaultLoginCredentials.NAME)
@Unremovable
public class VaultLoginCredentials implements CredentialsProvider {

    /** The bean name to configure as {@code quarkus.datasource[.<name>].credentials-provider-name}. */
    public static final String NAME = "medhook-vault-login";

    private static final Logger LOG = Logger.getLogger(VaultLoginCredentials.class);

    private final CredentialsProvider vault;
    private final Optional<String> vaultUrl;

    public VaultLoginCredentials(@Named("vault-credentials-provider") CredentialsProvider vault,
            @ConfigProperty(name = "quarkus.vault.url") Optional<String> vaultUrl) {
        this.vault = vault;
        this.vaultUrl = vaultUrl;
    }

    @Override
    public Map<String, String> getCredentials(String credentialsProviderName) {
        try {
            return vault.getCredentials(credentialsProviderName);
        } catch (RuntimeException e) {
            String why = "the database login '" + credentialsProviderName + "' comes from Vault at "
                    + vaultUrl.orElse("(quarkus.vault.url not set)") + ", which did not give it ("
                    + SafeCause.of(e) + "); no connection can be opened until Vault answers";
            LOG.error(why);
            throw new IllegalStateException(why);
        }
    }

    /** The kind of failure without its text: transport and Vault messages may carry addresses, never secrets here. */
    static final class SafeCause {

        private SafeCause() {
        }

        static String of(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof java.net.ConnectException) {
                return "connection refused";
            }
            if (root instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
            if (root instanceof java.util.concurrent.TimeoutException || root instanceof java.net.SocketTimeoutException) {
                return "timed out";
            }
            if (e instanceof io.quarkus.vault.client.VaultClientException v && v.getStatus() != null) {
                return v.getStatus() == 503 ? "Vault is sealed or unavailable (503)"
                        : v.getStatus() == 403 ? "permission denied (403): check the service's Vault policy and role"
                        : "Vault answered " + v.getStatus();
            }
            return root.getClass().getSimpleName();
        }
    }
}
