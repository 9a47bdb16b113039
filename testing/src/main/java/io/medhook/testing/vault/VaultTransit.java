package io.medhook.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One Transit secrets engine mount of the {@link VaultDouble}, following Vault 1.18's Transit API: named keys with
 * versions, {@code encrypt}/{@code decrypt}/{@code rewrap} with real AES-GCM (96-bit random nonce, 128-bit tag,
 * ciphertext {@code vault:v<N>:base64(nonce|ciphertext|tag)}), derived keys (HKDF-SHA256 of the key version with the
 * request's {@code context} as info, so a ciphertext only decrypts with the same context; for keys that are not
 * derived the context is ignored, as in Vault), {@code associated_data}, batch input, and {@code sign}/{@code verify}
 * with real ECDSA, RSA (PSS or PKCS#1 v1.5) and Ed25519 signatures ({@code vault:v<N>:base64(signature)}).
 */
public final class VaultTransit {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String DERIVED_WITHOUT_CONTEXT = "missing 'context' for key derivation; the key was created "
            + "using a derived key, which means additional, per-request information must be included in order to "
            + "perform operations with the key";

    /** One version of a key: symmetric bytes or a key pair. */
    record KeyVersion(byte[] secret, KeyPair pair, Instant created) {
    }

    /** A named key. Mutable state is guarded by the key's monitor. */
    static final class Key {
        final String name;
        final String type;
        final boolean derived;
        final boolean exportable;
        final boolean allowPlaintextBackup;
        final TreeMap<Integer, KeyVersion> versions = new TreeMap<>();
        int minDecryptionVersion = 1;
        int minEncryptionVersion = 0;
        boolean deletionAllowed;

        Key(String name, String type, boolean derived, boolean exportable, boolean allowPlaintextBackup) {
            this.name = name;
            this.type = type;
            this.derived = derived;
            this.exportable = exportable;
            this.allowPlaintextBackup = allowPlaintextBackup;
        }

        synchronized int latest() {
            return versions.lastKey();
        }

        synchronized KeyVersion version(int v) {
            return versions.get(v);
        }

        boolean symmetric() {
            return type.startsWith("aes");
        }
    }

    private final String mount;
    private final Map<String, Key> keys = new ConcurrentHashMap<>();

    VaultTransit(String mount) {
        this.mount = mount;
    }

    void register(VaultDouble vault) {
        vault.builtin("POST", mount + "/keys/{name}", this::create);
        vault.builtin("GET", mount + "/keys/{name}", r -> VaultResponse.data(info(existing(r.param("name")))));
        vault.builtin("DELETE", mount + "/keys/{name}", this::delete);
        vault.builtin("LIST", mount + "/keys", r -> list());
        vault.builtin("POST", mount + "/keys/{name}/rotate", r -> {
            Key k = requireKey(r.param("name"));
            rotate(k);
            return VaultResponse.data(info(k));
        });
        vault.builtin("POST", mount + "/keys/{name}/config", this::config);
        vault.builtin("POST", mount + "/encrypt/{name}", this::encrypt);
        vault.builtin("POST", mount + "/decrypt/{name}", this::decrypt);
        vault.builtin("POST", mount + "/rewrap/{name}", this::rewrap);
        vault.builtin("POST", mount + "/sign/{name}", r -> sign(r, null));
        vault.builtin("POST", mount + "/sign/{name}/{hash}", r -> sign(r, r.param("hash")));
        vault.builtin("POST", mount + "/verify/{name}", r -> verify(r, null));
        vault.builtin("POST", mount + "/verify/{name}/{hash}", r -> verify(r, r.param("hash")));
    }

    // --- keys --------------------------------------------------------------------------------------------------

    /** Creates a key (as {@code POST /transit/keys/:name} does); an existing key is left as it is. */
    public Key createKey(String name, String type, boolean derived) {
        return keys.computeIfAbsent(name, n -> {
            Key k = new Key(n, type, derived, false, false);
            rotate(k);
            return k;
        });
    }

    /** The latest version of a key (for tests that check re-wrapping). */
    public int latestVersion(String name) {
        return requireKey(name).latest();
    }

    /** Adds a new version to a key (as {@code POST /transit/keys/:name/rotate} does). */
    public void rotate(String name) {
        rotate(requireKey(name));
    }

    private VaultResponse create(VaultRequest r) {
        String name = r.param("name");
        String type = r.text("type") == null ? "aes256-gcm96" : r.text("type");
        checkType(type);
        boolean derived = r.bool("derived", false);
        if (r.bool("convergent_encryption", false) && !derived) {
            throw new VaultError(400, "convergent encryption requires derivation to be enabled");
        }
        Key k = keys.computeIfAbsent(name, n -> {
            Key nk = new Key(n, type, derived, r.bool("exportable", false), r.bool("allow_plaintext_backup", false));
            rotate(nk);
            return nk;
        });
        return VaultResponse.data(info(k));
    }

    private VaultResponse delete(VaultRequest r) {
        Key k = requireKey(r.param("name"));
        if (!k.deletionAllowed) {
            throw new VaultError(400, "deletion is not allowed for this key");
        }
        keys.remove(k.name);
        return VaultResponse.noContent();
    }

    private VaultResponse list() {
        if (keys.isEmpty()) {
            throw VaultError.notFound();
        }
        ObjectNode d = VaultResponse.object();
        ArrayNode a = d.putArray("keys");
        keys.keySet().stream().sorted().forEach(a::add);
        return VaultResponse.data(d);
    }

    private VaultResponse config(VaultRequest r) {
        Key k = requireKey(r.param("name"));
        synchronized (k) {
            int minDec = r.integer("min_decryption_version", k.minDecryptionVersion);
            int minEnc = r.integer("min_encryption_version", k.minEncryptionVersion);
            if (minDec < 1 && r.body().has("min_decryption_version")) {
                minDec = 1;
            }
            if (minDec > k.latest()) {
                throw new VaultError(400, "cannot set min decryption version of " + minDec
                        + ", latest key version is " + k.latest());
            }
            if (minEnc > k.latest()) {
                throw new VaultError(400, "cannot set min encryption version of " + minEnc
                        + " greater than the latest version " + k.latest());
            }
            if (minEnc != 0 && minEnc < minDec) {
                throw new VaultError(400, "cannot set min encryption/decryption values; min encryption version "
                        + "must be greater than or equal to min decryption version");
            }
            k.minDecryptionVersion = minDec;
            k.minEncryptionVersion = minEnc;
            k.deletionAllowed = r.bool("deletion_allowed", k.deletionAllowed);
        }
        return VaultResponse.data(info(k));
    }

    private static void rotate(Key k) {
        synchronized (k) {
            int next = k.versions.isEmpty() ? 1 : k.versions.lastKey() + 1;
            k.versions.put(next, generate(k.type));
        }
    }

    private static KeyVersion generate(String type) {
        try {
            Instant now = Instant.now();
            switch (type) {
                case "aes256-gcm96" -> {
                    byte[] b = new byte[32];
                    RANDOM.nextBytes(b);
                    return new KeyVersion(b, null, now);
                }
                case "aes128-gcm96" -> {
                    byte[] b = new byte[16];
                    RANDOM.nextBytes(b);
                    return new KeyVersion(b, null, now);
                }
                case "ecdsa-p256", "ecdsa-p384", "ecdsa-p521" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp" + type.substring(7) + "r1"));
                    return new KeyVersion(null, g.generateKeyPair(), now);
                }
                case "ed25519" -> {
                    return new KeyVersion(null, KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), now);
                }
                default -> { // rsa-2048, rsa-3072, rsa-4096
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(new RSAKeyGenParameterSpec(Integer.parseInt(type.substring(4)),
                            RSAKeyGenParameterSpec.F4));
                    return new KeyVersion(null, g.generateKeyPair(), now);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + type + " key", e);
        }
    }

    private static void checkType(String type) {
        if (!List.of("aes256-gcm96", "aes128-gcm96", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "rsa-2048",
                "rsa-3072", "rsa-4096").contains(type)) {
            throw new VaultError(400, "unknown key type " + type);
        }
    }

    private Key existing(String name) {
        Key k = keys.get(name);
        if (k == null) {
            throw VaultError.notFound();
        }
        return k;
    }

    private Key requireKey(String name) {
        Key k = keys.get(name);
        if (k == null) {
            throw new VaultError(400, "encryption key not found");
        }
        return k;
    }

    private static ObjectNode info(Key k) {
        synchronized (k) {
            ObjectNode d = VaultResponse.object();
            d.put("allow_plaintext_backup", k.allowPlaintextBackup);
            d.put("auto_rotate_period", 0);
            d.put("deletion_allowed", k.deletionAllowed);
            d.put("derived", k.derived);
            d.put("exportable", k.exportable);
            d.put("imported_key", false);
            if (k.derived) {
                d.put("kdf", "hkdf_sha256");
                d.put("convergent_encryption", false);
            }
            ObjectNode versions = d.putObject("keys");
            for (var e : k.versions.entrySet()) {
                if (k.symmetric()) {
                    versions.put(e.getKey().toString(), e.getValue().created().getEpochSecond());
                } else {
                    ObjectNode v = versions.putObject(e.getKey().toString());
                    v.put("certificate_chain", "");
                    v.put("creation_time", DateTimeFormatter.ISO_INSTANT.format(e.getValue().created()));
                    v.put("name", curveName(k.type));
                    byte[] spki = e.getValue().pair().getPublic().getEncoded();
                    // Vault answers ed25519 public keys as the raw 32 bytes in base64, the others as PEM
                    v.put("public_key", k.type.equals("ed25519")
                            ? Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(spki, spki.length - 32,
                                    spki.length))
                            : pem(spki));
                }
            }
            d.put("latest_version", k.latest());
            d.put("min_available_version", 0);
            d.put("min_decryption_version", k.minDecryptionVersion);
            d.put("min_encryption_version", k.minEncryptionVersion);
            d.put("name", k.name);
            d.put("supports_decryption", k.symmetric());
            d.put("supports_derivation", k.symmetric() || k.type.equals("ed25519"));
            d.put("supports_encryption", k.symmetric() || k.type.startsWith("rsa"));
            d.put("supports_signing", !k.symmetric());
            d.put("type", k.type);
            return d;
        }
    }

    private static String curveName(String type) {
        return switch (type) {
            case "ecdsa-p256" -> "P-256";
            case "ecdsa-p384" -> "P-384";
            case "ecdsa-p521" -> "P-521";
            case "ed25519" -> "ed25519";
            default -> "rsa-" + type.substring(4);
        };
    }

    private static String pem(byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }

    // --- encrypt / decrypt / rewrap ------------------------------------------------------------------------------

    private VaultResponse encrypt(VaultRequest r) {
        String name = r.param("name");
        List<ObjectNode> items = batch(r, "plaintext", "context", "nonce", "key_version", "associated_data");
        Key k = keys.get(name);
        if (k == null) {
            // Vault creates the key on first encrypt (upsert) when the token may create it; derived if a context is sent
            String type = r.text("type") == null ? "aes256-gcm96" : r.text("type");
            checkType(type);
            boolean derived = items.stream().anyMatch(i -> text(i, "context") != null && !text(i, "context").isEmpty());
            k = createKey(name, type, derived);
        }
        Key key = k;
        return respond(r, items, item -> {
            String pt = text(item, "plaintext");
            if (pt == null) {
                throw new VaultError(400, "missing plaintext to encrypt");
            }
            byte[] plaintext = b64(pt, "failed to base64-decode plaintext");
            int version = item.hasNonNull("key_version") ? item.get("key_version").asInt() : 0;
            ObjectNode out = VaultResponse.object();
            out.put("ciphertext", seal(key, version, plaintext, context(item), aad(item)));
            out.put("key_version", version == 0 ? key.latest() : version);
            return out;
        });
    }

    private VaultResponse decrypt(VaultRequest r) {
        Key k = requireKey(r.param("name"));
        List<ObjectNode> items = batch(r, "ciphertext", "context", "nonce", "associated_data");
        return respond(r, items, item -> {
            String ct = text(item, "ciphertext");
            if (ct == null || ct.isEmpty()) {
                throw new VaultError(400, "missing ciphertext to decrypt");
            }
            ObjectNode out = VaultResponse.object();
            out.put("plaintext", Base64.getEncoder().encodeToString(open(k, ct, context(item), aad(item))));
            return out;
        });
    }

    private VaultResponse rewrap(VaultRequest r) {
        Key k = requireKey(r.param("name"));
        List<ObjectNode> items = batch(r, "ciphertext", "context", "nonce", "key_version");
        return respond(r, items, item -> {
            String ct = text(item, "ciphertext");
            if (ct == null || ct.isEmpty()) {
                throw new VaultError(400, "missing ciphertext to decrypt");
            }
            int version = item.hasNonNull("key_version") ? item.get("key_version").asInt() : 0;
            byte[] context = context(item);
            byte[] plaintext = open(k, ct, context, null);
            ObjectNode out = VaultResponse.object();
            out.put("ciphertext", seal(k, version, plaintext, context, null));
            out.put("key_version", version == 0 ? k.latest() : version);
            return out;
        });
    }

    /** Encrypts with the given version (0 = latest) of a symmetric key; returns {@code vault:v<N>:…}. */
    private static String seal(Key k, int requested, byte[] plaintext, byte[] context, byte[] aad) {
        if (!k.symmetric()) {
            throw new VaultError(400, "key type " + k.type + " does not support encryption");
        }
        int version;
        KeyVersion kv;
        synchronized (k) {
            version = requested == 0 ? k.latest() : requested;
            if (requested != 0 && (requested < k.minEncryptionVersion || requested > k.latest() || requested < 1)) {
                throw new VaultError(400, "requested version for encryption is less than the minimum encryption "
                        + "key version or greater than the latest version");
            }
            if (requested == 0 && k.minEncryptionVersion > 0 && version < k.minEncryptionVersion) {
                throw new VaultError(400, "requested version for encryption is less than the minimum encryption "
                        + "key version");
            }
            kv = k.versions.get(version);
        }
        byte[] key = keyFor(k, kv, context);
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            if (aad != null) {
                c.updateAAD(aad);
            }
            byte[] ct = c.doFinal(plaintext);
            byte[] out = ByteBuffer.allocate(nonce.length + ct.length).put(nonce).put(ct).array();
            return "vault:v" + version + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new VaultError(500, "failed to encrypt");
        }
    }

    private static byte[] open(Key k, String ciphertext, byte[] context, byte[] aad) {
        if (!k.symmetric()) {
            throw new VaultError(400, "key type " + k.type + " does not support decryption");
        }
        Versioned v = parse(ciphertext);
        KeyVersion kv;
        synchronized (k) {
            if (v.version < k.minDecryptionVersion) {
                throw new VaultError(400, "ciphertext or signature version is disallowed by policy (too old)");
            }
            kv = k.versions.get(v.version);
            if (kv == null) {
                throw new VaultError(400, "invalid key version");
            }
        }
        byte[] key = keyFor(k, kv, context);
        byte[] sealed = v.bytes;
        if (sealed.length < 12 + 16) {
            throw new VaultError(400, "invalid ciphertext: unable to decrypt");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, sealed, 0, 12));
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(sealed, 12, sealed.length - 12);
        } catch (GeneralSecurityException e) {
            throw new VaultError(400, "cipher: message authentication failed");
        }
    }

    private record Versioned(int version, byte[] bytes) {
    }

    /** Parses {@code vault:v<N>:<base64>} as Vault does. */
    private static Versioned parse(String value) {
        if (!value.startsWith("vault:")) {
            throw new VaultError(400, "invalid ciphertext: no prefix");
        }
        String[] parts = value.split(":", 3);
        if (parts.length != 3 || !parts[1].startsWith("v")) {
            throw new VaultError(400, "invalid ciphertext: wrong number of fields");
        }
        int version;
        try {
            version = Integer.parseInt(parts[1].substring(1));
        } catch (NumberFormatException e) {
            throw new VaultError(400, "invalid ciphertext: version number could not be decoded");
        }
        return new Versioned(version, b64(parts[2], "invalid ciphertext: could not decode base64"));
    }

    /** The encryption key of a version: the version itself, or for derived keys HKDF-SHA256(key, info=context). */
    private static byte[] keyFor(Key k, KeyVersion kv, byte[] context) {
        if (!k.derived) {
            return kv.secret();
        }
        if (context == null || context.length == 0) {
            throw new VaultError(400, DERIVED_WITHOUT_CONTEXT);
        }
        return hkdfSha256(kv.secret(), context, kv.secret().length);
    }

    /** RFC 5869 HKDF with SHA-256 and no salt (Vault's {@code hkdf_sha256} KDF). */
    static byte[] hkdfSha256(byte[] ikm, byte[] info, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            byte[] out = new byte[length];
            byte[] t = new byte[0];
            int pos = 0;
            for (int i = 1; pos < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - pos);
                System.arraycopy(t, 0, out, pos, n);
                pos += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- sign / verify -------------------------------------------------------------------------------------------

    private VaultResponse sign(VaultRequest r, String pathHash) {
        Key k = requireKey(r.param("name"));
        if (k.symmetric()) {
            throw new VaultError(400, "key type " + k.type + " does not support signing");
        }
        String hash = pathHash != null ? pathHash : r.text("hash_algorithm") == null ? "sha2-256" : r.text("hash_algorithm");
        boolean prehashed = r.bool("prehashed", false);
        String sigAlg = r.text("signature_algorithm") == null ? "pss" : r.text("signature_algorithm");
        String marshaling = r.text("marshaling_algorithm") == null ? "asn1" : r.text("marshaling_algorithm");
        int requested = r.integer("key_version", 0);
        List<ObjectNode> items = batch(r, "input", "context");
        return respond(r, items, item -> {
            String in = text(item, "input");
            byte[] input = b64(in == null ? "" : in, "unable to decode input as base64");
            int version;
            KeyVersion kv;
            synchronized (k) {
                version = requested == 0 ? k.latest() : requested;
                kv = k.versions.get(version);
                if (kv == null || version < k.minEncryptionVersion) {
                    throw new VaultError(400, "invalid key version");
                }
            }
            byte[] sig = signBytes(k.type, kv.pair(), hash, prehashed, sigAlg, marshaling, input);
            String encoded = "jws".equals(marshaling) ? Base64.getUrlEncoder().withoutPadding().encodeToString(sig)
                    : Base64.getEncoder().encodeToString(sig);
            ObjectNode out = VaultResponse.object();
            out.put("signature", "vault:v" + version + ":" + encoded);
            out.put("key_version", version);
            return out;
        });
    }

    private VaultResponse verify(VaultRequest r, String pathHash) {
        Key k = requireKey(r.param("name"));
        if (k.symmetric()) {
            throw new VaultError(400, "key type " + k.type + " does not support verification");
        }
        String hash = pathHash != null ? pathHash : r.text("hash_algorithm") == null ? "sha2-256" : r.text("hash_algorithm");
        boolean prehashed = r.bool("prehashed", false);
        String sigAlg = r.text("signature_algorithm") == null ? "pss" : r.text("signature_algorithm");
        String marshaling = r.text("marshaling_algorithm") == null ? "asn1" : r.text("marshaling_algorithm");
        List<ObjectNode> items = batch(r, "input", "signature", "context", "hmac");
        return respond(r, items, item -> {
            String sigText = text(item, "signature");
            if (sigText == null || sigText.isEmpty()) {
                throw new VaultError(400, "missing signature");
            }
            byte[] input = b64(text(item, "input") == null ? "" : text(item, "input"), "unable to decode input as base64");
            if (!sigText.startsWith("vault:")) {
                throw new VaultError(400, "invalid signature: no prefix");
            }
            String[] parts = sigText.split(":", 3);
            if (parts.length != 3 || !parts[1].startsWith("v")) {
                throw new VaultError(400, "invalid signature: wrong number of fields");
            }
            int version;
            try {
                version = Integer.parseInt(parts[1].substring(1));
            } catch (NumberFormatException e) {
                throw new VaultError(400, "invalid signature: version number could not be decoded");
            }
            KeyVersion kv;
            synchronized (k) {
                if (version < k.minDecryptionVersion) {
                    throw new VaultError(400, "ciphertext or signature version is disallowed by policy (too old)");
                }
                kv = k.versions.get(version);
            }
            if (kv == null) {
                throw new VaultError(400, "invalid key version");
            }
            byte[] sig;
            try {
                sig = "jws".equals(marshaling) ? Base64.getUrlDecoder().decode(parts[2]) : Base64.getDecoder().decode(parts[2]);
            } catch (IllegalArgumentException e) {
                throw new VaultError(400, "invalid base64 signature value");
            }
            ObjectNode out = VaultResponse.object();
            out.put("valid", verifyBytes(k.type, kv.pair(), hash, prehashed, sigAlg, marshaling, input, sig));
            return out;
        });
    }

    private static byte[] signBytes(String type, KeyPair pair, String hash, boolean prehashed, String sigAlg,
            String marshaling, byte[] input) {
        try {
            if (type.equals("ed25519")) {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(pair.getPrivate());
                s.update(input);
                return s.sign();
            }
            byte[] digest = prehashed ? input : digest(hash, input);
            if (type.startsWith("ecdsa")) {
                Signature s = Signature.getInstance("jws".equals(marshaling) ? "NONEwithECDSAinP1363Format" : "NONEwithECDSA");
                s.initSign(pair.getPrivate());
                s.update(digest);
                return s.sign();
            }
            Signature s = rsa(sigAlg, hash, pair, true);
            s.update(rsaInput(sigAlg, hash, prehashed, input, digest));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new VaultError(400, "unable to sign: " + e.getClass().getSimpleName());
        }
    }

    private static boolean verifyBytes(String type, KeyPair pair, String hash, boolean prehashed, String sigAlg,
            String marshaling, byte[] input, byte[] sig) {
        try {
            if (type.equals("ed25519")) {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(pair.getPublic());
                s.update(input);
                return s.verify(sig);
            }
            byte[] digest = prehashed ? input : digest(hash, input);
            if (type.startsWith("ecdsa")) {
                Signature s = Signature.getInstance("jws".equals(marshaling) ? "NONEwithECDSAinP1363Format" : "NONEwithECDSA");
                s.initVerify(pair.getPublic());
                s.update(digest);
                return s.verify(sig);
            }
            Signature s = rsa(sigAlg, hash, pair, false);
            s.update(rsaInput(sigAlg, hash, prehashed, input, digest));
            return s.verify(sig);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new VaultError(400, "unable to verify: " + e.getClass().getSimpleName());
        }
    }

    /** RSA over an already computed digest: PSS with the maximum salt length (Vault's "auto"), or PKCS#1 v1.5. */
    private static Signature rsa(String sigAlg, String hash, KeyPair pair, boolean sign) throws GeneralSecurityException {
        if ("pss".equals(sigAlg)) {
            String jdkHash = jdkHash(hash);
            int hLen = MessageDigest.getInstance(jdkHash).getDigestLength();
            int modBytes = (((java.security.interfaces.RSAKey) pair.getPublic()).getModulus().bitLength() + 7) / 8;
            Signature s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(new PSSParameterSpec(jdkHash, "MGF1", new MGF1ParameterSpec(jdkHash), modBytes - hLen - 2, 1));
            if (sign) {
                s.initSign(pair.getPrivate());
            } else {
                s.initVerify(pair.getPublic());
            }
            return s;
        }
        if ("pkcs1v15".equals(sigAlg)) {
            Signature s = Signature.getInstance("NONEwithRSA");
            if (sign) {
                s.initSign(pair.getPrivate());
            } else {
                s.initVerify(pair.getPublic());
            }
            return s;
        }
        throw new VaultError(400, "unsupported signature algorithm " + sigAlg);
    }

    /**
     * What the JDK signature object is fed: RSASSA-PSS hashes the message itself (so PSS over a prehashed input is not
     * supported by this double), PKCS#1 v1.5 through NONEwithRSA takes the DER DigestInfo of the digest.
     */
    private static byte[] rsaInput(String sigAlg, String hash, boolean prehashed, byte[] input, byte[] digest) {
        if ("pss".equals(sigAlg)) {
            if (prehashed) {
                throw new VaultError(400, "prehashed input with pss is not supported by this double");
            }
            return input;
        }
        if ("pkcs1v15".equals(sigAlg)) {
            byte[] prefix = switch (hash) {
                case "sha2-256" -> HexPrefix.SHA256;
                case "sha2-384" -> HexPrefix.SHA384;
                case "sha2-512" -> HexPrefix.SHA512;
                default -> throw new VaultError(400, "unsupported hash algorithm " + hash + " for pkcs1v15");
            };
            return ByteBuffer.allocate(prefix.length + digest.length).put(prefix).put(digest).array();
        }
        return digest;
    }

    /** DER DigestInfo prefixes (RFC 8017 section 9.2 note 1). */
    private static final class HexPrefix {
        static final byte[] SHA256 = hex("3031300d060960864801650304020105000420");
        static final byte[] SHA384 = hex("3041300d060960864801650304020205000430");
        static final byte[] SHA512 = hex("3051300d060960864801650304020305000440");

        private static byte[] hex(String s) {
            return java.util.HexFormat.of().parseHex(s);
        }
    }

    private static byte[] digest(String hash, byte[] input) throws GeneralSecurityException {
        return MessageDigest.getInstance(jdkHash(hash)).digest(input);
    }

    private static String jdkHash(String hash) {
        return switch (hash) {
            case "sha2-224" -> "SHA-224";
            case "sha2-256" -> "SHA-256";
            case "sha2-384" -> "SHA-384";
            case "sha2-512" -> "SHA-512";
            case "sha3-256" -> "SHA3-256";
            case "sha3-384" -> "SHA3-384";
            case "sha3-512" -> "SHA3-512";
            default -> throw new VaultError(400, "unsupported hash algorithm " + hash);
        };
    }

    // --- batch handling ------------------------------------------------------------------------------------------

    private interface ItemOp {
        ObjectNode apply(ObjectNode item);
    }

    /** The request's {@code batch_input}, or one item made of the top-level fields. */
    private static List<ObjectNode> batch(VaultRequest r, String... fields) {
        JsonNode b = r.body().get("batch_input");
        List<ObjectNode> items = new ArrayList<>();
        if (b != null && !b.isNull()) {
            if (!b.isArray()) {
                throw new VaultError(400, "failed to parse batch input");
            }
            if (b.isEmpty()) {
                throw new VaultError(400, "missing batch input to process");
            }
            for (JsonNode n : b) {
                if (!n.isObject()) {
                    throw new VaultError(400, "failed to parse batch input");
                }
                items.add((ObjectNode) n);
            }
            return items;
        }
        ObjectNode single = VaultResponse.object();
        for (String f : fields) {
            if (r.body().has(f)) {
                single.set(f, r.body().get(f));
            }
        }
        items.add(single);
        return items;
    }

    /**
     * Answers a single or batch request as Vault does: a single request's error is {@code {"errors":[...]}}; a batch
     * answers {@code batch_results} in input order with {@code error} on the failed items and status 400 when any
     * item failed (or {@code partial_failure_response_code} when some succeeded).
     */
    private static VaultResponse respond(VaultRequest r, List<ObjectNode> items, ItemOp op) {
        boolean isBatch = r.body().hasNonNull("batch_input");
        if (!isBatch) {
            return VaultResponse.data(op.apply(items.get(0)));
        }
        ObjectNode data = VaultResponse.object();
        ArrayNode results = data.putArray("batch_results");
        boolean anyError = false;
        boolean anySuccess = false;
        for (ObjectNode item : items) {
            try {
                ObjectNode res = op.apply(item);
                if (item.hasNonNull("reference")) {
                    res.set("reference", item.get("reference"));
                }
                results.add(res);
                anySuccess = true;
            } catch (VaultError e) {
                if (e.status() >= 500) {
                    throw e;
                }
                ObjectNode res = VaultResponse.object();
                res.put("error", String.join("; ", e.errors()));
                if (item.hasNonNull("reference")) {
                    res.set("reference", item.get("reference"));
                }
                results.add(res);
                anyError = true;
            }
        }
        int status = 200;
        if (anyError) {
            status = anySuccess && r.body().hasNonNull("partial_failure_response_code")
                    ? r.integer("partial_failure_response_code", 400) : 400;
        }
        return new VaultResponse(status, VaultResponse.envelope(data, null, "", false, 0));
    }

    private static String text(ObjectNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static byte[] context(ObjectNode item) {
        String c = text(item, "context");
        return c == null || c.isEmpty() ? null : b64(c, "failed to base64-decode context");
    }

    private static byte[] aad(ObjectNode item) {
        String a = text(item, "associated_data");
        return a == null || a.isEmpty() ? null : b64(a, "failed to base64-decode associated_data");
    }

    private static byte[] b64(String s, String error) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new VaultError(400, error);
        }
    }
}
