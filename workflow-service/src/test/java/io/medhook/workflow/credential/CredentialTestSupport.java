package io.medhook.workflow.credential;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Helpers for credential tests: request bodies, fresh PEM keys, calls. */
final class CredentialTestSupport {

    private CredentialTestSupport() {
    }

    static String path(String ws) {
        return "/api/v1/workspaces/" + ws + "/credentials";
    }

    static Map<String, Object> body(String type, Map<String, ?> fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", type + "-" + UUID.randomUUID());
        m.put("type", type);
        m.put("fields", fields);
        return m;
    }

    static Response post(String ws, String token, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post(path(ws));
    }

    static Response put(String ws, String token, String id, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).put(path(ws) + "/" + id);
    }

    static String rsaPem() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return pem(g.generateKeyPair().getPrivate().getEncoded());
    }

    static String ecPem(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return pem(g.generateKeyPair().getPrivate().getEncoded());
    }

    static String pem(byte[] der) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n";
    }

    static String secret(String label) {
        return label + "-" + UUID.randomUUID().toString().replace("-", "");
    }
}
