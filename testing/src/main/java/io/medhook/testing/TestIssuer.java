package io.medhook.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;

/**
 * Token fixture for module tests of the services that verify auth-service's tokens (the end-to-end tests use the real
 * auth-service). It publishes a JWKS and mints tokens with a test RSA key, the way quickstarts' TokenUtils does, and
 * answers the client-credentials grant for any client so outbound service calls can be exercised. It also doubles
 * auth-service's {@code GET /api/v1/workspaces} (the caller's workspaces with kind and current role), verifying the
 * bearer token like auth-service; kinds and roles that differ from the token come from {@link #workspaceKind} and
 * {@link #databaseRole}.
 */
public final class TestIssuer {

    public static final String ISSUER = "urn:medhook:auth";
    static final String KEY_PROPERTY = "medhook.test.issuer-key";
    static final String KID_PROPERTY = "medhook.test.issuer-kid";
    static final String KIND_PROPERTY = "medhook.test.workspace-kind.";
    static final String ROLE_PROPERTY = "medhook.test.workspace-role.";

    private final PrivateKey key;
    private final String kid;

    private TestIssuer(PrivateKey key, String kid) {
        this.key = key;
        this.kid = kid;
    }

    /** The issuer of the running test resource (shared through system properties across class loaders). */
    public static TestIssuer current() {
        try {
            byte[] der = Base64.getDecoder().decode(System.getProperty(KEY_PROPERTY));
            PrivateKey k = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            return new TestIssuer(k, System.getProperty(KID_PROPERTY));
        } catch (Exception e) {
            throw new IllegalStateException("TestIssuerResource is not running", e);
        }
    }

    /** Starts the JWKS/token server; returns its base URL. */
    @SuppressWarnings("unchecked")
    static String start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        String kid = "test-" + UUID.randomUUID();
        RsaJsonWebKey jwk = new RsaJsonWebKey((java.security.interfaces.RSAPublicKey) pair.getPublic());
        jwk.setKeyId(kid);
        jwk.setUse("sig");
        jwk.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        String jwks = new JsonWebKeySet(jwk).toJson();
        System.setProperty(KEY_PROPERTY, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        System.setProperty(KID_PROPERTY, kid);
        TestIssuer issuer = new TestIssuer(pair.getPrivate(), kid);

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/jwks.json", ex -> respond(ex, 200, jwks));
        // an empty revocation feed: services under test poll it like auth-service's
        server.createContext("/api/v1/auth/revocations", ex -> respond(ex, 200, "{\"cursor\":0,\"items\":[]}"));
        // a double of auth-service's GET /api/v1/workspaces: the caller's workspaces with kind and current role
        server.createContext("/api/v1/workspaces", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            java.util.Map<String, Object> ws;
            String subject;
            try {
                org.jose4j.jwt.JwtClaims c = new org.jose4j.jwt.consumer.JwtConsumerBuilder()
                        .setVerificationKey(pair.getPublic()).setExpectedIssuer(ISSUER).setSkipDefaultAudienceValidation()
                        .setRequireExpirationTime().build()
                        .processToClaims(auth == null ? "" : auth.replaceFirst("^Bearer ", ""));
                subject = c.getSubject();
                ws = c.getClaimValue("ws") instanceof java.util.Map<?, ?> m ? (java.util.Map<String, Object>) m
                        : java.util.Map.of();
            } catch (Exception e) {
                respond(ex, 401, "{\"title\":\"Authentication required\"}");
                return;
            }
            StringBuilder items = new StringBuilder();
            for (var e : ws.entrySet()) {
                String role = System.getProperty(ROLE_PROPERTY + e.getKey() + "." + subject, String.valueOf(e.getValue()));
                if ("none".equals(role)) {
                    continue;
                }
                String kind = System.getProperty(KIND_PROPERTY + e.getKey(), "sandbox");
                items.append(items.length() == 0 ? "" : ",").append("{\"id\":\"").append(e.getKey())
                        .append("\",\"name\":\"ws\",\"kind\":\"").append(kind).append("\",\"role\":\"")
                        .append(role).append("\"}");
            }
            respond(ex, 200, "{\"items\":[" + items + "]}");
        });
        server.createContext("/oauth2/token", ex -> {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String audience = "medhook-api";
            for (String kv : form.split("&")) {
                if (kv.startsWith("audience=")) {
                    audience = java.net.URLDecoder.decode(kv.substring(9), StandardCharsets.UTF_8);
                }
            }
            String token = issuer.service("test-client", audience);
            respond(ex, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":300}");
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /** The workspace kind ({@code sandbox}, the default, or {@code production}) the workspace list reports. */
    public void workspaceKind(String workspaceId, String kind) {
        System.setProperty(KIND_PROPERTY + workspaceId, kind);
    }

    /**
     * The role auth-service's database holds for a user in a workspace, when it differs from the token's claim (a
     * demoted admin whose token still says admin); {@code none} removes the membership.
     */
    public void databaseRole(String workspaceId, String subject, String role) {
        System.setProperty(ROLE_PROPERTY + workspaceId + "." + subject, role);
    }

    /** A user token with workspace memberships (workspace id to role). */
    public String user(String subject, Map<String, String> workspaces, String... roles) {
        JwtClaims c = base(subject, List.of("medhook-api"), 7200);
        c.setClaim("mht", "user");
        c.setClaim("sid", UUID.randomUUID().toString());
        c.setClaim("preferred_username", subject);
        c.setStringListClaim("roles", roles);
        c.setClaim("ws", workspaces);
        return sign(c);
    }

    /** A user token with these memberships that expired an hour ago (issued three hours ago). */
    public String expiredUser(String subject, Map<String, String> workspaces, String... roles) {
        JwtClaims c = base(subject, List.of("medhook-api"), 7200);
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now - 3 * 3600));
        c.setExpirationTime(NumericDate.fromSeconds(now - 3600));
        c.setClaim("mht", "user");
        c.setClaim("sid", UUID.randomUUID().toString());
        c.setStringListClaim("roles", roles);
        c.setClaim("ws", workspaces);
        return sign(c);
    }

    /** A service token for one audience. */
    public String service(String clientId, String audience) {
        JwtClaims c = base(clientId, List.of(audience), 300);
        c.setClaim("mht", "service");
        c.setStringListClaim("roles", "service");
        return sign(c);
    }

    /** Base claims, for tests that need to bend one of them (issuer, audience, lifetime). */
    public JwtClaims base(String subject, List<String> audiences, long lifetimeSeconds) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setSubject(subject);
        c.setAudience(audiences);
        long now = Instant.now().getEpochSecond();
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + lifetimeSeconds));
        c.setJwtId(UUID.randomUUID().toString());
        return c;
    }

    public String sign(JwtClaims claims) {
        return sign(claims, key, kid);
    }

    /** Signs with another key under the same kid: a forged token. */
    public String forge(JwtClaims claims) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return sign(claims, g.generateKeyPair().getPrivate(), kid);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JwtClaims claims, PrivateKey key, String kid) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key);
            jws.setKeyIdHeaderValue(kid);
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
