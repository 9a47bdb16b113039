package io.medhook.auth.user;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in PHC string format ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}), with OWASP's
 * minimum parameters. Hashing is CPU-bound: call it off the event loop.
 */
public final class PasswordHasher {

    private static final int MEMORY_KB = 19_456;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** Hash of a random password, verified against when a username does not exist, so timing does not tell. */
    private static final String DUMMY = hash("dummy-password-for-timing");

    private PasswordHasher() {
    }

    public static String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] out = derive(password, salt, MEMORY_KB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt)
                + "$" + B64.encodeToString(out);
    }

    /** Constant-time check; a null or malformed stored hash never matches (but still costs one hash). */
    public static boolean verify(String password, String stored) {
        String phc = stored == null ? DUMMY : stored;
        String[] parts = phc.split("\\$");
        if (parts.length != 6 || !"argon2id".equals(parts[1])) {
            derive(password, new byte[16], MEMORY_KB, ITERATIONS, PARALLELISM, HASH_BYTES);
            return false;
        }
        int m = MEMORY_KB;
        int t = ITERATIONS;
        int p = PARALLELISM;
        for (String kv : parts[3].split(",")) {
            String[] x = kv.split("=");
            switch (x[0]) {
                case "m" -> m = Integer.parseInt(x[1]);
                case "t" -> t = Integer.parseInt(x[1]);
                case "p" -> p = Integer.parseInt(x[1]);
                default -> {
                    return false;
                }
            }
        }
        byte[] salt = B64D.decode(parts[4]);
        byte[] expected = B64D.decode(parts[5]);
        byte[] actual = derive(password, salt, m, t, p, expected.length);
        return MessageDigest.isEqual(expected, actual) && stored != null;
    }

    private static byte[] derive(String password, byte[] salt, int m, int t, int p, int len) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(m).withIterations(t).withParallelism(p).withSalt(salt).build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[len];
        gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
