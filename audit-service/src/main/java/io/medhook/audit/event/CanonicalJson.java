package io.medhook.audit.event;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Deterministic JSON for hashing: RFC 8785 (JSON Canonicalization Scheme) with one deliberate difference.
 * <ul>
 * <li>no whitespace; object members sorted by their names' UTF-16 code units ({@link String#compareTo});</li>
 * <li>strings escaped as ECMAScript {@code JSON.stringify} does: quote and backslash with a backslash; backspace,
 * form feed, line feed, carriage return and tab as backslash b, f, n, r, t; other characters below U+0020 as backslash
 * u00xx (lowercase hex); everything else as itself, UTF-8 encoded; a string with an unpaired surrogate is refused;</li>
 * <li>non-integral numbers as ECMAScript {@code Number.prototype.toString} writes the double
 * ({@code 1.5}, {@code 1e-7}, {@code 1e+21});</li>
 * <li>the difference: an integer written without fraction or exponent in the input keeps all its digits, where RFC
 * 8785 would round integers beyond 2<sup>53</sup> to the nearest double. Both agree for every smaller integer.</li>
 * </ul>
 * Values are what Jackson produces for untyped JSON: {@link Map}, {@link List}, {@link String}, {@link Number},
 * {@link Boolean} and {@code null}, plus {@link Raw} for text that is already canonical. Writing is idempotent: parsing
 * the output and writing it again gives the same text.
 */
public final class CanonicalJson {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Text that is already canonical JSON, embedded verbatim. */
    public record Raw(String json) {
    }

    private CanonicalJson() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Raw raw) {
            sb.append(raw.json());
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Number n) {
            number(sb, n);
        } else if (v instanceof Map<?, ?> m) {
            object(sb, m);
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object item : c) {
                if (!first) {
                    sb.append(',');
                }
                write(sb, item);
                first = false;
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass().getSimpleName());
        }
    }

    private static void object(StringBuilder sb, Map<?, ?> m) {
        List<String> keys = new ArrayList<>(m.size());
        for (Object k : m.keySet()) {
            if (!(k instanceof String s)) {
                throw new IllegalArgumentException("object member names must be strings");
            }
            keys.add(s);
        }
        keys.sort(null);
        sb.append('{');
        boolean first = true;
        for (String k : keys) {
            if (!first) {
                sb.append(',');
            }
            string(sb, k);
            sb.append(':');
            write(sb, m.get(k));
            first = false;
        }
        sb.append('}');
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                            throw new IllegalArgumentException("string holds an unpaired surrogate");
                        }
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isLowSurrogate(c)) {
                        throw new IllegalArgumentException("string holds an unpaired surrogate");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void number(StringBuilder sb, Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            sb.append(n);
            return;
        }
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("NaN and infinities are not JSON numbers");
        }
        sb.append(ecmaScript(d));
    }

    /** ECMAScript Number::toString(x) for a finite double (ECMA-262 §6.1.6.1.20), from Java's shortest digits. */
    static String ecmaScript(double d) {
        if (d == 0) {
            return "0"; // also -0
        }
        StringBuilder out = new StringBuilder(32);
        if (d < 0) {
            out.append('-');
            d = -d;
        }
        // Double.toString gives the shortest digits that round-trip (JDK 19+), except that it prefers a closer
        // two-digit decimal to a one-digit one (4.9E-324): ECMAScript takes the one digit when it round-trips
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        if (bd.precision() == 2) {
            BigDecimal one = new BigDecimal(d).round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == d) {
                bd = one.stripTrailingZeros();
            }
        }
        // as s × 10^(n-k) with k digits
        String digits = bd.unscaledValue().toString();
        int k = digits.length();
        int n = k - bd.scale();
        if (k <= n && n <= 21) {
            out.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            int e = n - 1;
            out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return out.toString();
    }
}
