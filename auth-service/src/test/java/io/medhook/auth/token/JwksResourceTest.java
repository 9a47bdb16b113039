package io.medhook.auth.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class JwksResourceTest {

    @Test
    void publishesPublicRs256KeysOnly() {
        given().get("/.well-known/jwks.json").then().statusCode(200)
                .body("keys.kty", everyItem(equalTo("RSA")))
                .body("keys.alg", everyItem(equalTo("RS256")))
                .body("keys.use", everyItem(equalTo("sig")))
                .body("keys.kid", everyItem(not(nullValue())))
                .body("keys.d", everyItem(nullValue()))
                .body("keys.p", everyItem(nullValue()));
    }

    @Test
    void privateKeyIsStoredEncrypted() throws Exception {
        try (Connection c = PostgresTestResource.jdbc();
                ResultSet rs = c.createStatement().executeQuery("select private_key_enc, data_key_wrapped from signing_key")) {
            assertTrue(rs.next());
            byte[] enc = rs.getBytes(1);
            // a PKCS#8 RSA key in clear starts with the DER sequence 30 82 and carries the rsaEncryption OID
            byte[] oid = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
            assertFalse(indexOf(enc, oid) >= 0, "private key bytes are not stored in clear");
            assertTrue(rs.getString(2).startsWith("local:v1:"), "data key is wrapped by the key-encryption key");
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
