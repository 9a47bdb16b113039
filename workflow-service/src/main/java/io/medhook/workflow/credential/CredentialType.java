package io.medhook.workflow.credential;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kinds of credential and the fields each has. Every field is a string; secret fields are write-only (stored
 * encrypted, never returned) and the others are stored and shown in clear.
 */
public enum CredentialType {
    HTTP_BASIC("http_basic",
            Field.text("username", true),
            Field.secret("password", true)),
    BEARER("bearer",
            Field.secret("token", true)),
    API_KEY_HEADER("api_key_header",
            Field.of("header", false, true, Format.HEADER_NAME),
            Field.secret("value", true)),
    OAUTH2_CLIENT_CREDENTIALS("oauth2_client_credentials",
            Field.of("tokenUrl", false, true, Format.URL),
            Field.text("clientId", true),
            Field.secret("clientSecret", true),
            Field.text("scope", false),
            Field.text("audience", false)),
    AWS("aws",
            Field.of("accessKeyId", false, true, Format.AWS_ACCESS_KEY_ID),
            Field.secret("secretAccessKey", true),
            Field.secret("sessionToken", false),
            Field.of("region", false, false, Format.AWS_REGION)),
    SMART_BACKEND("smart_backend",
            Field.of("tokenUrl", false, true, Format.URL),
            Field.text("clientId", true),
            Field.of("privateKeyPem", true, true, Format.PEM_PRIVATE_KEY),
            Field.text("keyId", false),
            Field.of("algorithm", false, true, Format.SMART_ALGORITHM)),
    WEBHOOK_SECRET("webhook_secret",
            Field.secret("secret", true));

    /** How a field's value must look; {@link CredentialValidator} checks it. */
    public enum Format {
        /** Any non-blank text. */
        TEXT,
        /** An absolute http or https URL with a host. */
        URL,
        /** An HTTP header name (RFC 9110 token). */
        HEADER_NAME,
        /** An RSA or EC private key, PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
        PEM_PRIVATE_KEY,
        /** RS384 or ES384 (SMART Backend Services). */
        SMART_ALGORITHM,
        /** 16-128 upper-case letters and digits. */
        AWS_ACCESS_KEY_ID,
        /** An AWS region name such as {@code eu-central-1}. */
        AWS_REGION
    }

    /** One field of a type. */
    public record Field(String name, boolean secret, boolean required, Format format) {

        static Field of(String name, boolean secret, boolean required, Format format) {
            return new Field(name, secret, required, format);
        }

        static Field text(String name, boolean required) {
            return new Field(name, false, required, Format.TEXT);
        }

        static Field secret(String name, boolean required) {
            return new Field(name, true, required, Format.TEXT);
        }
    }

    private final String id;
    private final List<Field> fields;

    CredentialType(String id, Field... fields) {
        this.id = id;
        this.fields = List.of(fields);
    }

    /** The name in the API and the database ({@code http_basic}, …). */
    public String id() {
        return id;
    }

    public List<Field> fields() {
        return fields;
    }

    public Optional<Field> field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public static Optional<CredentialType> fromId(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }

    /** The known type names, for error messages. */
    public static String known() {
        return Arrays.stream(values()).map(CredentialType::id).collect(Collectors.joining(", "));
    }
}
