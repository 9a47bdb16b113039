package io.medhook.common.secrets;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK's provider: a random 96-bit nonce per message, a 128-bit tag, associated data bound to
 * the record. Output layout: nonce (12 bytes) followed by ciphertext and tag.
 */
public final class Aead {

    public static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Aead() {
    }

    public static byte[] newKey() {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        return k;
    }

    public static byte[] encrypt(byte[] key, byte[] plaintext, byte[] aad) {
        requireKey(key);
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            if (aad != null) {
                c.updateAAD(aad);
            }
            byte[] ct = c.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + ct.length).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new CryptoException("encryption failed", e);
        }
    }

    public static byte[] decrypt(byte[] key, byte[] sealed, byte[] aad) {
        requireKey(key);
        if (sealed == null || sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new CryptoException("ciphertext is truncated", null);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new CryptoException("decryption failed: wrong key, wrong context or altered ciphertext", e);
        }
    }

    private static void requireKey(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new CryptoException("AES-256 needs a 32-byte key", null);
        }
    }

    /** A cryptographic failure; its message never contains key material or plaintext. */
    public static final class CryptoException extends RuntimeException {
        public CryptoException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
