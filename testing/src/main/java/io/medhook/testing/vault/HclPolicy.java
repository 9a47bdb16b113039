package io.medhook.testing.vault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Vault ACL policy in HCL, parsed and evaluated the way Vault 1.18 documents it ("Policies": path rules,
 * capabilities, the {@code +} and {@code *} wildcards, and priority matching), for the {@link VaultDouble}'s
 * {@link VaultDouble#acl ACL hook} and for tests that compare a policy with what a service uses.
 *
 * <p>Supported: {@code path "<pattern>" { capabilities = [...] }} blocks and comments ({@code #}, {@code //},
 * {@code /* *\/}). Anything else in a block ({@code allowed_parameters}, {@code required_parameters},
 * {@code min_wrapping_ttl} …) is refused at parse time rather than silently ignored, so a policy that relies on it
 * cannot pass a test here by accident. When several rules match a path, the one Vault gives priority wins (see
 * {@link #PRIORITY}); rules for the same pattern in several policies are merged (union of capabilities), and
 * {@code deny} beats everything.
 */
public final class HclPolicy {

    /** The capabilities Vault knows. */
    public static final Set<String> CAPABILITIES = Set.of("create", "read", "update", "patch", "delete", "list",
            "sudo", "deny", "subscribe", "recover");

    /**
     * The rules of Vault's built-in {@code default} policy that matter to a service token (Vault 1.18): look up,
     * renew and revoke itself, ask its own capabilities, renew and look up leases it holds, its cubbyhole. Tokens carry
     * {@code default} unless created with {@code no_default_policy}.
     */
    public static final String VAULT_DEFAULT_POLICY = """
            path "auth/token/lookup-self" { capabilities = ["read"] }
            path "auth/token/renew-self" { capabilities = ["update"] }
            path "auth/token/revoke-self" { capabilities = ["update"] }
            path "sys/capabilities-self" { capabilities = ["update"] }
            path "sys/leases/renew" { capabilities = ["update"] }
            path "sys/renew" { capabilities = ["update"] }
            path "sys/leases/lookup" { capabilities = ["update"] }
            path "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }
            """;

    /** One {@code path} block. */
    public record Rule(String pattern, Set<String> capabilities) {

        /** Whether the pattern matches {@code path}: {@code +} is exactly one segment, a trailing {@code *} a prefix. */
        public boolean matches(String path) {
            return regex(pattern).matcher(path).matches();
        }

        boolean glob() {
            return pattern.endsWith("*");
        }

        int firstWildcard() {
            int plus = pattern.indexOf('+');
            int star = pattern.indexOf('*');
            if (plus < 0) {
                return star < 0 ? pattern.length() : star;
            }
            return star < 0 ? plus : Math.min(plus, star);
        }

        int plusCount() {
            return (int) pattern.chars().filter(c -> c == '+').count();
        }
    }

    /**
     * Vault's priority between matching rules, highest first: the later the first wildcard, the higher; a rule not
     * ending in {@code *} beats one that does; fewer {@code +} segments beat more; the longer pattern wins; then the
     * lexically larger one.
     */
    static final Comparator<Rule> PRIORITY = Comparator.comparingInt(Rule::firstWildcard)
            .thenComparing(r -> !r.glob())
            .thenComparing(r -> -r.plusCount())
            .thenComparingInt(r -> r.pattern().length())
            .thenComparing(Rule::pattern);

    private static final Pattern BLOCK = Pattern.compile(
            "path\\s+\"([^\"]+)\"\\s*\\{\\s*capabilities\\s*=\\s*\\[([^\\]]*)]\\s*}");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private final List<Rule> rules;

    private HclPolicy(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Parses a policy; throws {@link IllegalArgumentException} naming what it could not read. */
    public static HclPolicy parse(String hcl) {
        String text = stripComments(hcl);
        Matcher m = BLOCK.matcher(text);
        Map<String, Set<String>> byPattern = new LinkedHashMap<>();
        int at = 0;
        while (m.find()) {
            requireBlank(text.substring(at, m.start()));
            at = m.end();
            Set<String> caps = new LinkedHashSet<>();
            Matcher q = QUOTED.matcher(m.group(2));
            int qAt = 0;
            while (q.find()) {
                String between = m.group(2).substring(qAt, q.start()).replace(",", "").strip();
                if (!between.isEmpty()) {
                    throw new IllegalArgumentException("unexpected '" + between + "' in the capabilities of "
                            + m.group(1));
                }
                qAt = q.end();
                if (!CAPABILITIES.contains(q.group(1))) {
                    throw new IllegalArgumentException("unknown capability '" + q.group(1) + "' on " + m.group(1));
                }
                caps.add(q.group(1));
            }
            if (caps.isEmpty()) {
                throw new IllegalArgumentException("no capabilities on " + m.group(1));
            }
            if (byPattern.containsKey(m.group(1))) {
                throw new IllegalArgumentException("path " + m.group(1) + " appears twice");
            }
            byPattern.put(m.group(1), caps);
        }
        requireBlank(text.substring(at));
        List<Rule> rules = new ArrayList<>();
        byPattern.forEach((p, c) -> rules.add(new Rule(p, Set.copyOf(c))));
        return new HclPolicy(rules);
    }

    /** Merges policies as Vault does for a token that carries all of them. */
    public static HclPolicy merge(Collection<HclPolicy> policies) {
        Map<String, Set<String>> byPattern = new LinkedHashMap<>();
        for (HclPolicy p : policies) {
            for (Rule r : p.rules) {
                byPattern.computeIfAbsent(r.pattern(), k -> new LinkedHashSet<>()).addAll(r.capabilities());
            }
        }
        List<Rule> rules = new ArrayList<>();
        byPattern.forEach((p, c) -> rules.add(new Rule(p, Set.copyOf(c))));
        return new HclPolicy(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The rule Vault would apply to {@code path}, if any matches. */
    public Optional<Rule> ruleFor(String path) {
        return rules.stream().filter(r -> r.matches(path)).max(PRIORITY);
    }

    /** Whether the policy grants {@code capability} on {@code path} ({@code deny} on the winning rule refuses all). */
    public boolean allows(String path, String capability) {
        return ruleFor(path).map(r -> !r.capabilities().contains("deny") && r.capabilities().contains(capability))
                .orElse(false);
    }

    /**
     * An ACL for {@link VaultDouble#acl}: a request is allowed when the merge of the token's policies (looked up by
     * name in {@code policies}; {@code default} is Vault's built-in one unless {@code policies} overrides it) grants
     * the capability the request needs.
     */
    public static VaultDouble.Acl acl(Map<String, HclPolicy> policies) {
        return (names, request) -> {
            List<HclPolicy> held = new ArrayList<>();
            for (String name : names) {
                HclPolicy p = policies.get(name);
                if (p == null && "default".equals(name)) {
                    p = parse(VAULT_DEFAULT_POLICY);
                }
                if (p != null) {
                    held.add(p);
                }
            }
            return merge(held).allows(request.path(), request.capability());
        };
    }

    private static Pattern regex(String pattern) {
        StringBuilder re = new StringBuilder();
        boolean glob = pattern.endsWith("*");
        String body = glob ? pattern.substring(0, pattern.length() - 1) : pattern;
        for (String part : body.split("(?<=/)|(?=/)", -1)) {
            if (part.equals("+")) {
                re.append("[^/]+");
            } else if (!part.isEmpty()) {
                re.append(Pattern.quote(part));
            }
        }
        if (glob) {
            re.append(".*");
        }
        return Pattern.compile(re.toString());
    }

    private static String stripComments(String hcl) {
        String noBlock = hcl.replaceAll("(?s)/\\*.*?\\*/", " ");
        StringBuilder out = new StringBuilder();
        for (String line : noBlock.split("\n", -1)) {
            int cut = line.length();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && (c == '#' || (c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/'))) {
                    cut = i;
                    break;
                }
            }
            out.append(line, 0, cut).append('\n');
        }
        return out.toString();
    }

    private static void requireBlank(String between) {
        if (!between.isBlank()) {
            String s = between.strip();
            throw new IllegalArgumentException("cannot read policy text: '" + (s.length() > 60 ? s.substring(0, 60)
                    + "…" : s) + "' (only path blocks with capabilities are supported)");
        }
    }
}
