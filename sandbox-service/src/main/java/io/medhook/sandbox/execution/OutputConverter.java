package io.medhook.sandbox.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.sandbox.execution.RunScriptResult.ErrorType;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.graalvm.polyglot.Value;

/**
 * Turns a guest value into JSON on the host side, the way {@code JSON.stringify} would where that is well defined:
 * {@code undefined}, {@code NaN} and infinities become {@code null}, array holes {@code null}, dates ISO strings,
 * objects their own enumerable string-keyed properties. Unlike {@code JSON.stringify} it refuses (instead of silently
 * dropping) functions and symbols, and it refuses BigInts, host values and cycles; it never calls {@code toJSON}, so a
 * script cannot run code through a poisoned prototype here. Size and depth are bounded while walking, so a huge or
 * endlessly shared structure is stopped early rather than materialised.
 *
 * <p>Reading members may run guest code (getters, proxy traps): callers walk under the execution's watchdog. Every
 * {@link Value} call crosses into the guest, so the checks are ordered by how common the kinds are.
 */
final class OutputConverter {

    /** A value that cannot be returned; {@code type} says whether it is too big or not JSON at all. */
    static final class RefusedOutput extends RuntimeException {
        private final ErrorType type;

        RefusedOutput(ErrorType type, String message) {
            super(message, null, false, false);
            this.type = type;
        }

        ErrorType type() {
            return type;
        }
    }

    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final int PATH_CHARS = 120;

    private final int maxBytes;
    private final int maxDepth;
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    /** The containers above the current one, with their identity hashes so most cycle checks stay on the host. */
    private final List<Value> ancestors = new ArrayList<>();
    private final List<Integer> ancestorHashes = new ArrayList<>();
    /** Keys and indexes leading to the current value, for error messages. */
    private final List<Object> steps = new ArrayList<>();
    /** A lower bound of the serialized size so far; the caller checks the exact size once serialized. */
    private long bytes;

    OutputConverter(int maxBytes, int maxDepth) {
        this.maxBytes = maxBytes;
        this.maxDepth = maxDepth;
    }

    JsonNode convert(Value value) {
        return convert(value, null);
    }

    /** {@code step} is the key or index under which {@code v} sits in its parent, null for the root. */
    private JsonNode convert(Value v, Object step) {
        if (v.isString()) {
            String s = v.asString();
            return count(nodes.textNode(s), s.length() + 2L);
        }
        if (v.isNumber()) {
            return number(v, step);
        }
        if (v.isNull()) {
            return count(nodes.nullNode(), 4);
        }
        if (v.isBoolean()) {
            boolean b = v.asBoolean();
            return count(nodes.booleanNode(b), b ? 4 : 5);
        }
        if (v.hasArrayElements()) {
            return array(v, step);
        }
        if (v.hasMembers()) {
            if (v.canExecute() || v.canInstantiate()) {
                throw refused(step, v.isProxyObject() ? "a host value" : "a function");
            }
            if (v.isHostObject() || v.isProxyObject()) {
                throw refused(step, "a host value");
            }
            if (v.isInstant()) {
                return count(nodes.textNode(ISO_MILLIS.format(v.asInstant())), 26);
            }
            return object(v, step);
        }
        if (v.isHostObject() || v.isProxyObject() || v.isNativePointer()) {
            throw refused(step, "a host value");
        }
        Value meta = v.getMetaObject();
        throw refused(step, meta == null ? "an unsupported value" : "a " + meta.getMetaSimpleName());
    }

    private JsonNode number(Value v, Object step) {
        boolean integral = v.fitsInLong();
        if ((integral || v.fitsInBigInteger()) && isBigInt(v)) {
            throw refused(step, "a BigInt");
        }
        if (integral) {
            long l = v.asLong();
            return count(nodes.numberNode(l), Long.toString(l).length());
        }
        double d = v.asDouble();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return count(nodes.nullNode(), 4);
        }
        if (d == 0) {
            return count(nodes.numberNode(0), 1); // -0 prints as 0, like JSON.stringify
        }
        return count(nodes.numberNode(d), Double.toString(d).length());
    }

    /** Only integral numbers can be BigInts; asking for the meta object is the one reliable way to tell. */
    private static boolean isBigInt(Value v) {
        Value meta = v.getMetaObject();
        return meta != null && "bigint".equals(meta.getMetaSimpleName());
    }

    private JsonNode array(Value v, Object step) {
        enter(v, step);
        try {
            long size = v.getArraySize();
            ArrayNode array = count(nodes.arrayNode(), 2);
            for (long i = 0; i < size; i++) {
                if (i > 0) {
                    count(array, 1);
                }
                array.add(convert(v.getArrayElement(i), i));
            }
            return array;
        } finally {
            leave();
        }
    }

    private JsonNode object(Value v, Object step) {
        enter(v, step);
        try {
            Set<String> keys = v.getMemberKeys();
            if (keys.isEmpty()) {
                Value meta = v.getMetaObject();
                if (meta != null && "Date".equals(meta.getMetaSimpleName())) {
                    return count(nodes.nullNode(), 4); // an invalid Date (a valid one is an instant): null, as in JS
                }
            }
            ObjectNode object = count(nodes.objectNode(), 2);
            boolean first = true;
            for (String key : keys) {
                count(object, key.length() + 3L + (first ? 0 : 1));
                first = false;
                object.set(key, convert(v.getMember(key), key));
            }
            return object;
        } finally {
            leave();
        }
    }

    private void enter(Value v, Object step) {
        int hash = v.hashCode();
        for (int i = 0; i < ancestors.size(); i++) {
            if (ancestorHashes.get(i) == hash && ancestors.get(i).equals(v)) {
                throw refused(step, "a reference to one of its own ancestors (a cycle)");
            }
        }
        if (ancestors.size() >= maxDepth) {
            throw new RefusedOutput(ErrorType.OUTPUT_LIMIT, "The output nests deeper than " + maxDepth + " levels");
        }
        ancestors.add(v);
        ancestorHashes.add(hash);
        steps.add(step);
    }

    private void leave() {
        int last = ancestors.size() - 1;
        ancestors.remove(last);
        ancestorHashes.remove(last);
        steps.remove(last);
    }

    private <T extends JsonNode> T count(T node, long size) {
        bytes += size;
        if (bytes > maxBytes) {
            throw new RefusedOutput(ErrorType.OUTPUT_LIMIT, "The output is larger than " + maxBytes + " bytes");
        }
        return node;
    }

    private RefusedOutput refused(Object step, String what) {
        return new RefusedOutput(ErrorType.SCRIPT_ERROR,
                "The output is not JSON-compatible: " + path(step) + " is " + what);
    }

    /** Where the walk is, like {@code $.body.items[3]}, shortened: keys come from the script. */
    private String path(Object last) {
        StringBuilder sb = new StringBuilder("$");
        List<Object> all = new ArrayList<>(steps);
        all.add(last);
        for (Object s : all) {
            if (s instanceof Long i) {
                sb.append('[').append(i).append(']');
            } else if (s != null) {
                sb.append('.').append(s);
            }
            if (sb.length() > PATH_CHARS) {
                return sb.substring(0, PATH_CHARS) + "…";
            }
        }
        return sb.toString();
    }
}
