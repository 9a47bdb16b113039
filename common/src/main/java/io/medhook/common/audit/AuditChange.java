package io.medhook.common.audit;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URI;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalAmount;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Builds the {@code change} of an {@link AuditEvent} from snapshots of the data model, masking what the model declares
 * {@link Sensitive}. A snapshot is a record (or a plain class that declares {@code @Sensitive} on at least one field)
 * that a service defines next to its model, e.g. {@code UserAudit}.
 *
 * <p>Shapes, all in the snapshot's component order:
 * <ul>
 * <li>{@link #created(Object) created(after)}: {@code {"after": {every field}}}</li>
 * <li>{@link #deleted(Object) deleted(before)}: {@code {"before": {every field}}}</li>
 * <li>{@link #updated(Object, Object) updated(before, after)}: {@code {"before": {f: old}, "after": {f: new}}} with
 * exactly the top-level fields whose values differ, the same keys on both sides (both empty when nothing differs).
 * Nested values are shown whole. Values are compared before masking, so a changed masked field is listed and reads
 * {@code "[secret]"} (or {@code "[phi]"}) on both sides: the event records that it changed, never what it was.</li>
 * </ul>
 *
 * <p>Values: a {@link Sensitivity#SECRET} or {@link Sensitivity#PHI} value is replaced by the kind's
 * {@link Sensitivity#marker() marker} whatever its type, content or length (a masked value is never read further);
 * a masked {@code null} stays {@code null}, which tells only that nothing is set. Clear values are rendered as JSON
 * values: strings, numbers, booleans; enums by name; {@link UUID}, {@code java.time} values and {@link URI} as text;
 * {@code byte[]} as base64; {@link Optional} unwrapped; collections and arrays as lists; maps as objects with their keys
 * as text; nested snapshots as objects, masked by their own declarations. Anything else (an entity, a
 * {@code JsonNode}) is refused, so that unstructured data cannot pass unmasked.
 *
 * <p>Safety net: a field without a declaration whose name looks like a secret (password, secret, token, key, hash,
 * credential, …) makes every method throw an {@link IllegalStateException} naming the class and the field. Masking
 * stays declared on the model; names only catch a forgotten declaration. A reviewed false alarm is declared
 * {@code @Sensitive(Sensitivity.CLEAR)}. Declarations are read once per class.
 */
public final class AuditChange {

    public static final String BEFORE = "before";
    public static final String AFTER = "after";

    private static final int MAX_DEPTH = 32;
    private static final Pattern SECRET_PARTS = Pattern.compile(
            "password|passwd|passphrase|secret|token|credential|apikey|privatekey|cookie|authorization|bearer");
    private static final Set<String> SECRET_WORDS = Set.of("key", "keys", "pwd", "pin", "otp", "hash", "salt", "jwt",
            "kek", "dek", "signature", "cvv");
    private static final Pattern WORD_BREAK = Pattern.compile(
            "(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+");

    private AuditChange() {
    }

    /** {@code {"after": snapshot}}: every field of a new resource, masked as declared. */
    public static Map<String, Object> created(Object after) {
        return Map.of(AFTER, snapshot(after));
    }

    /** {@code {"before": snapshot}}: every field of a removed resource, masked as declared. */
    public static Map<String, Object> deleted(Object before) {
        return Map.of(BEFORE, snapshot(before));
    }

    /**
     * {@code {"before": {...}, "after": {...}}} with only the top-level fields that differ; both maps are empty when
     * nothing differs ({@link #differ(Object, Object)} tells beforehand). Both snapshots must be of the same class.
     */
    public static Map<String, Object> updated(Object before, Object after) {
        Shape shape = pair(before, after);
        Map<String, Object> b = new LinkedHashMap<>();
        Map<String, Object> a = new LinkedHashMap<>();
        for (Part p : shape.parts()) {
            Object was = p.read(before);
            Object is = p.read(after);
            if (!same(was, is, 0)) {
                b.put(p.name(), value(shape, p, was, 0));
                a.put(p.name(), value(shape, p, is, 0));
            }
        }
        Map<String, Object> change = new LinkedHashMap<>();
        change.put(BEFORE, Collections.unmodifiableMap(b));
        change.put(AFTER, Collections.unmodifiableMap(a));
        return Collections.unmodifiableMap(change);
    }

    /** Whether two snapshots of the same class differ in any field (masked ones included). */
    public static boolean differ(Object before, Object after) {
        Shape shape = pair(before, after);
        for (Part p : shape.parts()) {
            if (!same(p.read(before), p.read(after), 0)) {
                return true;
            }
        }
        return false;
    }

    /** One snapshot as the map an event carries: every field, masked as declared. */
    public static Map<String, Object> snapshot(Object model) {
        return render(shapeOfSnapshot(model), model, 0);
    }

    // --- declarations

    /** A field of a snapshot type, with its declaration. */
    private record Part(String name, Sensitivity sensitivity, Type type, AccessibleObject member) {

        Object read(Object owner) {
            try {
                return member instanceof Method m ? m.invoke(owner) : ((Field) member).get(owner);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read audit snapshot field " + name, e);
            }
        }
    }

    /** The declared parts of a type; {@code parts} is null when the type is not a snapshot. */
    private record Shape(Class<?> type, List<Part> parts) {

        boolean snapshot() {
            return parts != null;
        }
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return shapeOf(type);
        }
    };

    /** Whole-model check (every snapshot type reachable through declared types), once per top-level class. */
    private static final ClassValue<Boolean> CHECKED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            checkType(type.getName(), "", type, new HashSet<>());
            return Boolean.TRUE;
        }
    };

    private static Shape shapeOf(Class<?> type) {
        List<Part> parts = new ArrayList<>();
        if (type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                Method accessor = rc.getAccessor();
                accessor.trySetAccessible();
                parts.add(part(type, rc.getName(), rc.getAnnotation(Sensitive.class), rc.getGenericType(), accessor));
            }
            return new Shape(type, List.copyOf(parts));
        }
        if (leaf(type) || type.isArray() || type.isInterface() || Collection.class.isAssignableFrom(type)
                || Map.class.isAssignableFrom(type) || type == Optional.class || type.getModule().isNamed()) {
            return new Shape(type, null);
        }
        boolean declared = false;
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            chain.add(0, c);
        }
        List<Field> fields = new ArrayList<>();
        for (Class<?> c : chain) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.isSynthetic()) {
                    continue;
                }
                fields.add(f);
                declared |= f.isAnnotationPresent(Sensitive.class);
            }
        }
        if (!declared) {
            return new Shape(type, null);
        }
        for (Field f : fields) {
            if (!f.trySetAccessible()) {
                throw new IllegalStateException("audit snapshot field " + type.getName() + "." + f.getName()
                        + " is not readable");
            }
            parts.add(part(type, f.getName(), f.getAnnotation(Sensitive.class), f.getGenericType(), f));
        }
        return new Shape(type, List.copyOf(parts));
    }

    private static Part part(Class<?> owner, String name, Sensitive declared, Type type, AccessibleObject member) {
        if (declared == null && looksSecret(name)) {
            throw new IllegalStateException("audit snapshot field " + owner.getName() + "." + name
                    + " looks like a secret but declares no sensitivity: annotate it with @Sensitive");
        }
        return new Part(name, declared == null ? Sensitivity.CLEAR : declared.value(), type, member);
    }

    /** Whether a field name looks like secret material (the safety net; masking itself is declared). */
    static boolean looksSecret(String name) {
        if (SECRET_PARTS.matcher(name.toLowerCase(Locale.ROOT)).find()) {
            return true;
        }
        for (String word : WORD_BREAK.split(name)) {
            if (SECRET_WORDS.contains(word.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Checks every snapshot type reachable from {@code type} through unmasked fields. */
    private static void checkType(String owner, String field, Type type, Set<Class<?>> seen) {
        if (type instanceof ParameterizedType pt) {
            Type raw = pt.getRawType();
            if (raw instanceof Class<?> c && (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)
                    || c == Optional.class)) {
                for (Type arg : pt.getActualTypeArguments()) {
                    checkType(owner, field, arg, seen);
                }
                return;
            }
            checkType(owner, field, raw, seen);
        } else if (type instanceof GenericArrayType ga) {
            checkType(owner, field, ga.getGenericComponentType(), seen);
        } else if (type instanceof WildcardType wt) {
            for (Type bound : wt.getUpperBounds()) {
                checkType(owner, field, bound, seen);
            }
        } else if (type instanceof TypeVariable<?> tv) {
            for (Type bound : tv.getBounds()) {
                checkType(owner, field, bound, seen);
            }
        } else if (type instanceof Class<?> c) {
            if (c.isPrimitive() || leaf(c) || c == Object.class || c.isInterface()
                    || (c.getModule().isNamed() && Modifier.isAbstract(c.getModifiers()))) {
                return; // known only at run time: checked when a value is rendered
            }
            if (c.isArray()) {
                checkType(owner, field, c.getComponentType(), seen);
                return;
            }
            if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c) || c == Optional.class) {
                return;
            }
            Shape shape = SHAPES.get(c);
            if (!shape.snapshot()) {
                throw unsupported(owner, field, c);
            }
            if (!seen.add(c)) {
                return;
            }
            for (Part p : shape.parts()) {
                if (!p.sensitivity().masked()) {
                    checkType(c.getName(), p.name(), p.type(), seen);
                }
            }
        }
    }

    private static IllegalStateException unsupported(String owner, String field, Class<?> type) {
        return new IllegalStateException("audit snapshot field " + owner + (field.isEmpty() ? "" : "." + field)
                + " has a type that audit changes do not render: " + type.getName()
                + " (use a snapshot record, or declare it masked)");
    }

    private static boolean leaf(Class<?> c) {
        return c == String.class || c == Boolean.class || c == Character.class || Number.class.isAssignableFrom(c)
                || c.isEnum() || (c.getSuperclass() != null && c.getSuperclass().isEnum()) || c == UUID.class
                || c == URI.class || TemporalAccessor.class.isAssignableFrom(c)
                || TemporalAmount.class.isAssignableFrom(c);
    }

    private static Shape shapeOfSnapshot(Object model) {
        Objects.requireNonNull(model, "audit snapshot");
        Shape shape = SHAPES.get(model.getClass());
        if (!shape.snapshot()) {
            throw new IllegalArgumentException(model.getClass().getName()
                    + " is not an audit snapshot (a record, or a class with @Sensitive fields)");
        }
        CHECKED.get(model.getClass());
        return shape;
    }

    private static Shape pair(Object before, Object after) {
        Shape shape = shapeOfSnapshot(before);
        Objects.requireNonNull(after, "audit snapshot");
        if (before.getClass() != after.getClass()) {
            throw new IllegalArgumentException("before and after must be snapshots of the same class");
        }
        return shape;
    }

    // --- rendering

    private static Map<String, Object> render(Shape shape, Object model, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Part p : shape.parts()) {
            out.put(p.name(), value(shape, p, p.read(model), depth));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object value(Shape owner, Part p, Object raw, int depth) {
        if (raw == null) {
            return null;
        }
        if (p.sensitivity().masked()) {
            return p.sensitivity().marker();
        }
        return clear(owner.type().getName(), p.name(), raw, depth + 1);
    }

    private static Object clear(String owner, String field, Object v, int depth) {
        if (v == null) {
            return null;
        }
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("audit snapshot field " + owner + "." + field + " is nested too deeply");
        }
        if (v instanceof String || v instanceof Boolean || v instanceof Number) {
            return v;
        }
        if (v instanceof Character || v instanceof UUID || v instanceof URI || v instanceof TemporalAccessor
                || v instanceof TemporalAmount) {
            return v.toString();
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof Optional<?> o) {
            return clear(owner, field, o.orElse(null), depth + 1);
        }
        if (v instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (v.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                list.add(clear(owner, field, Array.get(v, i), depth + 1));
            }
            return Collections.unmodifiableList(list);
        }
        if (v instanceof Collection<?> c) {
            List<Object> list = new ArrayList<>(c.size());
            for (Object item : c) {
                list.add(clear(owner, field, item, depth + 1));
            }
            return Collections.unmodifiableList(list);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object key = clear(owner, field, e.getKey(), depth + 1);
                if (key instanceof Map<?, ?> || key instanceof List<?>) {
                    throw unsupported(owner, field, e.getKey().getClass());
                }
                out.put(String.valueOf(key), clear(owner, field, e.getValue(), depth + 1));
            }
            return Collections.unmodifiableMap(out);
        }
        Shape shape = SHAPES.get(v.getClass());
        if (!shape.snapshot()) {
            throw unsupported(owner, field, v.getClass());
        }
        return render(shape, v, depth + 1);
    }

    // --- comparison (before masking)

    private static boolean same(Object a, Object b, int depth) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || depth > MAX_DEPTH) {
            return false;
        }
        if (a.getClass().isArray() && b.getClass().isArray()) {
            return Arrays.deepEquals(new Object[] { a }, new Object[] { b });
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!same(la.get(i), lb.get(i), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !same(e.getValue(), mb.get(e.getKey()), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Optional<?> oa && b instanceof Optional<?> ob) {
            return same(oa.orElse(null), ob.orElse(null), depth + 1);
        }
        if (a.getClass() == b.getClass() && !leaf(a.getClass())) {
            Shape shape = SHAPES.get(a.getClass());
            if (shape.snapshot()) {
                for (Part p : shape.parts()) {
                    if (!same(p.read(a), p.read(b), depth + 1)) {
                        return false;
                    }
                }
                return true;
            }
        }
        return a.equals(b);
    }
}
