package io.medhook.workflow.credential;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.credential.CredentialType.Field;
import io.medhook.workflow.credential.CredentialType.Format;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks credential requests against their type's fields. Failures are 422 problem+json with {@code errors[]} of
 * {@code {field, message}}; messages name fields and never repeat a value (values can be secrets).
 */
final class CredentialValidator {

    static final int MAX_NAME = 200;
    static final int MAX_VALUE = 4096;
    static final int MAX_PEM = 16384;

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");
    private static final Pattern AWS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final Pattern PEM = Pattern.compile(
            "\\s*-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----\\s*");

    private CredentialValidator() {
    }

    /** The type named in a request; 422 when missing or unknown. */
    static CredentialType type(String type) {
        if (type == null || type.isBlank()) {
            throw invalid(List.of(error("type", "is required; known types: " + CredentialType.known())));
        }
        return CredentialType.fromId(type).orElseThrow(() -> invalid(List.of(error("type",
                "unknown credential type; known types: " + CredentialType.known()))));
    }

    /** The name, stripped; 422 when missing or too long. {@code null} is allowed when {@code required} is false. */
    static String name(String name, boolean required) {
        if (name == null && !required) {
            return null;
        }
        if (name == null || name.isBlank()) {
            throw invalid(List.of(error("name", "is required")));
        }
        if (name.strip().length() > MAX_NAME) {
            throw invalid(List.of(error("name", "is longer than " + MAX_NAME + " characters")));
        }
        return name.strip();
    }

    /**
     * Applies the request's {@code fields} to {@code current} (empty on create): a string sets a field, JSON
     * {@code null} removes an optional one, an omitted field keeps its value. Then checks the result: every required
     * field set, every value in its format. Returns the merged values.
     */
    static Map<String, String> merge(CredentialType type, JsonNode fields, Map<String, String> current) {
        List<Map<String, String>> errors = new ArrayList<>();
        Map<String, String> merged = new LinkedHashMap<>(current);
        if (fields != null && !fields.isNull()) {
            if (!fields.isObject()) {
                throw invalid(List.of(error("fields", "must be an object")));
            }
            fields.properties().forEach(e -> {
                String where = "fields." + safe(e.getKey());
                Field f = type.field(e.getKey()).orElse(null);
                if (f == null) {
                    errors.add(error(where, "is not a field of " + type.id() + "; its fields: "
                            + type.fields().stream().map(Field::name).collect(Collectors.joining(", "))));
                    return;
                }
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    merged.remove(f.name());
                } else if (!v.isTextual()) {
                    errors.add(error(where, "must be a string"));
                } else if (v.asText().isBlank()) {
                    errors.add(error(where, "must not be blank"));
                } else if (v.asText().length() > (f.format() == Format.PEM_PRIVATE_KEY ? MAX_PEM : MAX_VALUE)) {
                    errors.add(error(where, "is too long"));
                } else {
                    merged.put(f.name(), v.asText());
                }
            });
        }
        if (errors.isEmpty()) {
            for (Field f : type.fields()) {
                String where = "fields." + f.name();
                String v = merged.get(f.name());
                if (v == null) {
                    if (f.required()) {
                        errors.add(error(where, "is required for " + type.id()));
                    }
                    continue;
                }
                String problem = format(f.format(), v);
                if (problem != null) {
                    errors.add(error(where, problem));
                }
            }
        }
        if (errors.isEmpty() && type == CredentialType.SMART_BACKEND) {
            String problem = keyMatchesAlgorithm(merged.get("privateKeyPem"), merged.get("algorithm"));
            if (problem != null) {
                errors.add(error("fields.privateKeyPem", problem));
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return merged;
    }

    /** Why a value does not fit its format, or null when it does. Never quotes the value. */
    static String format(Format format, String v) {
        return switch (format) {
            case TEXT -> null;
            case URL -> url(v);
            case HEADER_NAME -> HEADER_NAME.matcher(v).matches() ? null : "must be an HTTP header name (a token)";
            case AWS_ACCESS_KEY_ID -> AWS_KEY_ID.matcher(v).matches() ? null
                    : "must be 16-128 upper-case letters and digits";
            case AWS_REGION -> AWS_REGION.matcher(v).matches() ? null : "must be an AWS region such as eu-central-1";
            case SMART_ALGORITHM -> "RS384".equals(v) || "ES384".equals(v) ? null : "must be RS384 or ES384";
            case PEM_PRIVATE_KEY -> privateKey(v) != null ? null
                    : "must be an RSA or EC private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)";
        };
    }

    private static String url(String v) {
        try {
            URI u = new URI(v);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                return "must be an absolute http or https URL";
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                return "must be an absolute http or https URL with a host";
            }
            if (u.getRawUserInfo() != null) {
                return "must not contain credentials";
            }
            return null;
        } catch (java.net.URISyntaxException e) {
            return "must be an absolute http or https URL";
        }
    }

    /**
     * The private key of a PKCS#8 PEM, or null when it does not parse as RSA or EC. The one parser of credential keys:
     * validation on save and {@link ResolvedCredential#privateKey()} at run time both read keys with it.
     */
    static PrivateKey privateKey(String pem) {
        var m = PEM.matcher(pem);
        if (!m.matches()) {
            return null;
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", "").getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (String alg : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.GeneralSecurityException | RuntimeException e) {
                // not this algorithm; try the next
            }
        }
        return null;
    }

    private static String keyMatchesAlgorithm(String pem, String algorithm) {
        PrivateKey key = privateKey(pem);
        if ("RS384".equals(algorithm)) {
            if (!(key instanceof RSAPrivateKey rsa)) {
                return "must be an RSA key for RS384";
            }
            return rsa.getModulus().bitLength() >= 2048 ? null : "must be an RSA key of at least 2048 bits";
        }
        if (!(key instanceof ECPrivateKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
            return "must be an EC P-384 key for ES384";
        }
        return null;
    }

    private static String safe(String name) {
        String printable = name.replaceAll("[^A-Za-z0-9_.-]", "?");
        return printable.length() > 64 ? printable.substring(0, 64) + "…" : printable;
    }

    static Map<String, String> error(String field, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("field", field);
        m.put("message", message);
        return m;
    }

    static MedhookException invalid(List<Map<String, String>> errors) {
        Map<String, String> first = errors.get(0);
        return MedhookException.validation("The credential is not valid: " + first.get("field") + " "
                + first.get("message") + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                Map.of("errors", errors));
    }
}
