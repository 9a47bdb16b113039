package io.medhook.auth.user;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    @Test
    void hashesWithArgon2idInPhcFormatAndVerifies() {
        String h = PasswordHasher.hash("correct horse battery");
        assertTrue(h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), h);
        assertTrue(PasswordHasher.verify("correct horse battery", h));
        assertFalse(PasswordHasher.verify("correct horse batterY", h));
    }

    @Test
    void saltsEveryHash() {
        assertNotEquals(PasswordHasher.hash("same"), PasswordHasher.hash("same"));
    }

    @Test
    void neverMatchesAMissingOrMalformedHash() {
        assertFalse(PasswordHasher.verify("x", null));
        assertFalse(PasswordHasher.verify("x", "$2a$10$bcrypt-looking"));
        assertFalse(PasswordHasher.verify("dummy-password-for-timing", null));
    }
}
