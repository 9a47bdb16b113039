package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.problem.ErrorKind;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.credential.CredentialType;
import io.medhook.workflow.credential.CredentialVault;
import io.medhook.workflow.credential.ResolvedCredential;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.egress.EgressClient;
import io.medhook.workflow.egress.EgressException;
import io.medhook.workflow.egress.EgressResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code s3}: {@code {"operation": "put"|"get"|"list"|"delete", "credentialId", "bucket", "key" | "keyPath",
 * "prefix", "maxKeys", "endpoint", "region", "body", "contentType"}}. One S3 REST call, path-style
 * ({@code <endpoint>/<bucket>/<key>}), signed with AWS Signature Version 4 ({@link SigV4}) under an {@code aws}
 * credential of the workspace, sent through the egress client like every outbound request (so the SSRF checks and the
 * allow-list apply to the endpoint). Default endpoint {@code https://s3.<region>.amazonaws.com}; region from the node,
 * else the credential, else {@code us-east-1}. {@code key} may contain {@code {executionId}}; {@code keyPath} takes the
 * key from a string in the input. A non-2xx answer fails the step with {@code s3_error} naming the status and S3's
 * error code only (its message can name keys).
 */
@ApplicationScoped
public class S3NodeRunner implements NodeRunner {

    /** Most keys a list returns (S3's own maximum per request). */
    public static final int MAX_KEYS = 1000;

    private final EgressClient egress;
    private final ObjectMapper json;
    private final CredentialVault vault;
    private final Clock clock;

    public S3NodeRunner(EgressClient egress, ObjectMapper json, CredentialVault vault, Clock clock) {
        this.egress = egress;
        this.json = json;
        this.vault = vault;
        this.clock = clock;
    }

    @Override
    public String type() {
        return "s3";
    }

    /** A request ready to sign. */
    private record Call(String method, String key, Map<String, String> query, byte[] body, String contentType) {
    }

    @Override
    public Uni<JsonNode> run(NodeDefinition node, JsonNode input, StepContext context) {
        ObjectNode p = node.params();
        String op = p.get("operation").asText();
        String bucket = p.get("bucket").asText();
        Call call;
        try {
            call = call(p, op, input, context);
        } catch (StepFailure f) {
            return Uni.createFrom().failure(f);
        }
        return credential(context.workspaceId(), p.get("credentialId").asText()).chain(c -> {
            String region = p.hasNonNull("region") ? p.get("region").asText()
                    : c.value("region") != null ? c.value("region") : "us-east-1";
            String endpoint = p.hasNonNull("endpoint") ? p.get("endpoint").asText()
                    : "https://s3." + region + ".amazonaws.com";
            URI base = URI.create(endpoint);
            boolean tls = "https".equalsIgnoreCase(base.getScheme());
            int port = base.getPort();
            String host = base.getHost().toLowerCase(Locale.ROOT)
                    + (port < 0 || port == (tls ? 443 : 80) ? "" : ":" + port);
            String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
            String path = basePath + "/" + SigV4.encode(bucket, true)
                    + (call.key() == null ? "" : "/" + SigV4.encode(call.key(), false));
            Map<String, String> signed = new LinkedHashMap<>();
            signed.put("host", host);
            if (call.contentType() != null) {
                signed.put("content-type", call.contentType());
            }
            if (c.value("sessionToken") != null) {
                signed.put("x-amz-security-token", c.value("sessionToken"));
            }
            String payloadHash = call.body() == null ? SigV4.EMPTY_SHA256 : SigV4.sha256Hex(call.body());
            String authorization = SigV4.sign(new SigV4.Request(call.method(), path, call.query(), signed,
                    payloadHash), new SigV4.Key(c.value("accessKeyId"), c.value("secretAccessKey"), region, "s3"),
                    clock.instant());
            Map<String, String> headers = new LinkedHashMap<>(signed);
            headers.remove("host");
            headers.put("Authorization", authorization);
            headers.put("User-Agent", "MedHook/0.1");
            String query = call.query().isEmpty() ? "" : "?" + SigV4.canonicalQuery(call.query());
            String url = base.getScheme().toLowerCase(Locale.ROOT) + "://" + host + path + query;
            return egress.send(call.method(), url, headers, call.body(), Set.of("x-amz-security-token"))
                    .onFailure(EgressException.class)
                    .transform(e -> new StepFailure(((EgressException) e).type(), e.getMessage()))
                    .map(resp -> output(op, bucket, call, resp));
        });
    }

    private Call call(ObjectNode p, String op, JsonNode input, StepContext context) {
        Map<String, String> query = new LinkedHashMap<>();
        switch (op) {
            case "list" -> {
                query.put("list-type", "2");
                if (p.hasNonNull("prefix")) {
                    query.put("prefix", p.get("prefix").asText());
                }
                query.put("max-keys", String.valueOf(p.hasNonNull("maxKeys") ? p.get("maxKeys").asInt() : MAX_KEYS));
                return new Call("GET", null, query, null, null);
            }
            case "get" -> {
                return new Call("GET", key(p, input, context), query, null, null);
            }
            case "delete" -> {
                return new Call("DELETE", key(p, input, context), query, null, null);
            }
            case "put" -> {
                String key = key(p, input, context);
                JsonNode value = p.hasNonNull("body") ? ConditionNodeRunner.at(input, p.get("body").asText()) : input;
                if (value == null || value.isMissingNode()) {
                    throw new StepFailure("s3_error", "body " + p.get("body").asText() + " is not in the input");
                }
                byte[] body;
                String type;
                if (value.isTextual()) {
                    body = value.asText().getBytes(StandardCharsets.UTF_8);
                    type = p.hasNonNull("contentType") ? p.get("contentType").asText() : "text/plain; charset=utf-8";
                } else {
                    try {
                        body = json.writeValueAsBytes(value);
                    } catch (Exception e) {
                        throw new StepFailure("internal", "the object cannot be serialised");
                    }
                    type = p.hasNonNull("contentType") ? p.get("contentType").asText() : "application/json";
                }
                return new Call("PUT", key, query, body, type);
            }
            default -> throw new StepFailure("invalid_params", "unknown operation");
        }
    }

    /** The object key: {@code key} with {@code {executionId}} replaced, or the string at {@code keyPath}. */
    private static String key(ObjectNode p, JsonNode input, StepContext context) {
        String key;
        if (p.hasNonNull("keyPath")) {
            JsonNode v = ConditionNodeRunner.at(input, p.get("keyPath").asText());
            if (v == null || !v.isTextual()) {
                throw new StepFailure("s3_error", "keyPath " + p.get("keyPath").asText()
                        + " is not a string in the input");
            }
            key = v.asText();
        } else {
            key = p.get("key").asText().replace("{executionId}", context.executionId().toString());
        }
        if (!validKey(key)) {
            throw new StepFailure("s3_error", "the object key is empty, longer than 1024 bytes or has control "
                    + "characters");
        }
        return key;
    }

    /** 1-1024 UTF-8 bytes, no control characters. */
    public static boolean validKey(String key) {
        return !key.isEmpty() && key.getBytes(StandardCharsets.UTF_8).length <= 1024
                && key.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f);
    }

    private JsonNode output(String op, String bucket, Call call, EgressResponse resp) {
        if (resp.status() < 200 || resp.status() > 299) {
            String code = errorCode(resp.body());
            throw new StepFailure("s3_error", "S3 answered " + resp.status() + (code == null ? "" : " " + code));
        }
        ObjectNode out = json.createObjectNode();
        out.put("status", resp.status());
        out.put("bucket", bucket);
        switch (op) {
            case "put" -> {
                out.put("key", call.key());
                out.put("etag", resp.headers().get("etag"));
                out.put("size", call.body().length);
            }
            case "delete" -> out.put("key", call.key());
            case "get" -> {
                out.put("key", call.key());
                String type = resp.headers().getOrDefault("content-type", "application/octet-stream");
                out.put("contentType", type);
                out.put("etag", resp.headers().get("etag"));
                String t = type.toLowerCase(Locale.ROOT);
                JsonNode parsed = null;
                if (t.contains("json") && resp.body().length > 0) {
                    try {
                        parsed = json.readTree(resp.body());
                    } catch (Exception e) {
                        parsed = null;
                    }
                }
                if (parsed != null) {
                    out.set("body", parsed);
                } else if (t.startsWith("text/") || t.contains("xml") || t.contains("json")) {
                    out.put("body", new String(resp.body(), StandardCharsets.UTF_8));
                } else {
                    out.put("body", Base64.getEncoder().encodeToString(resp.body()));
                    out.put("encoding", "base64");
                }
            }
            case "list" -> list(resp.body(), out);
            default -> throw new StepFailure("invalid_params", "unknown operation");
        }
        return out;
    }

    /** A ListObjectsV2 answer as {@code keys[{key, size, lastModified, etag}]} and {@code truncated}. */
    private void list(byte[] xml, ObjectNode out) {
        Document doc = parse(xml);
        if (doc == null) {
            throw new StepFailure("s3_error", "the list answer is not S3 XML");
        }
        ArrayNode keys = out.putArray("keys");
        NodeList contents = doc.getElementsByTagNameNS("*", "Contents");
        for (int i = 0; i < contents.getLength(); i++) {
            Element e = (Element) contents.item(i);
            ObjectNode k = keys.addObject();
            k.put("key", text(e, "Key"));
            String size = text(e, "Size");
            if (size != null && size.matches("\\d{1,18}")) {
                k.put("size", Long.parseLong(size));
            }
            k.put("lastModified", text(e, "LastModified"));
            k.put("etag", text(e, "ETag"));
        }
        out.put("truncated", "true".equals(text(doc.getDocumentElement(), "IsTruncated")));
    }

    /** S3's error code ({@code NoSuchKey}, {@code AccessDenied}, …) when it looks like one; never the message. */
    private static String errorCode(byte[] xml) {
        Document doc = parse(xml);
        String code = doc == null ? null : text(doc.getDocumentElement(), "Code");
        return code != null && code.matches("[A-Za-z0-9.]{1,64}") ? code : null;
    }

    private static String text(Element parent, String name) {
        NodeList l = parent.getElementsByTagNameNS("*", name);
        return l.getLength() == 0 ? null : l.item(0).getTextContent();
    }

    /** Parses XML with DTDs and external entities off (no XXE from a hostile endpoint); null when it is not XML. */
    private static Document parse(byte[] xml) {
        if (xml == null || xml.length == 0) {
            return null;
        }
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            return null;
        }
    }

    /** The workspace's {@code aws} credential, or a {@code credential_error} step failure that names no value. */
    private Uni<ResolvedCredential> credential(UUID workspaceId, String id) {
        UUID credentialId = UUID.fromString(id);
        return vault.resolve(workspaceId, credentialId).onFailure().transform(f -> {
            if (f instanceof MedhookException m && m.kind() == ErrorKind.NOT_FOUND) {
                return new StepFailure("credential_error", "credential " + credentialId + " does not exist");
            }
            return new StepFailure("credential_error", "credential " + credentialId + " cannot be used");
        }).invoke(c -> {
            if (c.type() != CredentialType.AWS) {
                throw new StepFailure("credential_error",
                        "credential " + credentialId + " is of type " + c.type().id() + ", which s3 nodes cannot use");
            }
        });
    }
}
