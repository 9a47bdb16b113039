package io.medhook.testing.vault;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.JoseException;

/**
 * The Kubernetes auth method of the {@link VaultDouble}, following Vault 1.18's API: {@code auth/<mount>/login} with
 * {@code role} and {@code jwt} answers a client token carrying the role's policies. Where Vault asks the cluster's
 * TokenReview API whether the service-account JWT is genuine, the double plays the cluster too: it signs the
 * service-account tokens it hands out ({@link #serviceAccountToken}) and verifies that signature at login.
 */
public final class VaultKubernetes {

    /** A role: the bound service accounts and namespaces ({@code *} allowed), the policies and the token TTL. */
    public record Role(Set<String> boundServiceAccountNames, Set<String> boundNamespaces, List<String> policies,
            Duration ttl) {
    }

    private final String mount;
    private final VaultTokens tokens;
    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final RsaJsonWebKey clusterKey;

    VaultKubernetes(String mount, VaultTokens tokens) {
        this.mount = mount;
        this.tokens = tokens;
        try {
            this.clusterKey = RsaJwkGenerator.generateJwk(2048);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    void register(VaultDouble vault) {
        vault.builtin("POST", mount + "/login", this::login);
    }

    /** Configures (or replaces) a role, as {@code POST auth/kubernetes/role/<name>} does. */
    public void role(String name, Role role) {
        roles.put(name, role);
    }

    /** The configured role, if any. */
    public java.util.Optional<Role> role(String name) {
        return java.util.Optional.ofNullable(roles.get(name));
    }

    /** Removes a role. */
    public void deleteRole(String name) {
        roles.remove(name);
    }

    /** The configured role names. */
    public Set<String> roleNames() {
        return Set.copyOf(roles.keySet());
    }

    /** A service-account token as the cluster would mount it into a pod of {@code namespace}/{@code name}. */
    public String serviceAccountToken(String namespace, String name) {
        try {
            JwtClaims c = new JwtClaims();
            c.setIssuer("kubernetes/serviceaccount");
            c.setSubject("system:serviceaccount:" + namespace + ":" + name);
            c.setClaim("kubernetes.io/serviceaccount/namespace", namespace);
            c.setClaim("kubernetes.io/serviceaccount/service-account.name", name);
            c.setClaim("kubernetes.io/serviceaccount/service-account.uid", UUID.randomUUID().toString());
            c.setClaim("kubernetes.io/serviceaccount/secret.name", name + "-token");
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(c.toJson());
            jws.setKey(clusterKey.getPrivateKey());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private VaultResponse login(VaultRequest r) {
        String roleName = r.text("role");
        if (roleName == null || roleName.isEmpty()) {
            throw new VaultError(400, "missing role");
        }
        String jwt = r.text("jwt");
        if (jwt == null || jwt.isEmpty()) {
            throw new VaultError(400, "missing jwt");
        }
        Role role = roles.get(roleName);
        if (role == null) {
            throw new VaultError(400, "invalid role name \"" + roleName + "\"");
        }
        JwtClaims claims;
        try {
            JwtConsumer consumer = new JwtConsumerBuilder()
                    .setVerificationKey(clusterKey.getPublicKey())
                    .setExpectedIssuer("kubernetes/serviceaccount")
                    .setSkipDefaultAudienceValidation()
                    .build();
            claims = consumer.processToClaims(jwt);
        } catch (InvalidJwtException e) {
            throw VaultError.permissionDenied();
        }
        String ns = claims.getClaimValueAsString("kubernetes.io/serviceaccount/namespace");
        String sa = claims.getClaimValueAsString("kubernetes.io/serviceaccount/service-account.name");
        String uid = claims.getClaimValueAsString("kubernetes.io/serviceaccount/service-account.uid");
        if (!role.boundServiceAccountNames().contains("*") && !role.boundServiceAccountNames().contains(sa)) {
            throw new VaultError(403, "service account name not authorized");
        }
        if (!role.boundNamespaces().contains("*") && !role.boundNamespaces().contains(ns)) {
            throw new VaultError(403, "namespace not authorized");
        }
        Map<String, String> meta = new HashMap<>();
        meta.put("role", roleName);
        meta.put("service_account_name", sa);
        meta.put("service_account_namespace", ns);
        meta.put("service_account_secret_name", "");
        meta.put("service_account_uid", uid);
        VaultTokens.Token t = tokens.create(role.policies(), role.ttl(), true,
                mount.replace('/', '-') + "-" + ns + "-" + sa, mount + "/login", meta);
        return VaultResponse.auth(VaultTokens.authBlock(t));
    }
}
