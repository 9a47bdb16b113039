package io.medhook.sandbox.execution;

import java.util.ArrayList;
import java.util.List;

/**
 * Escape and abuse attempts, each with the outcome the sandbox must produce, plus benign controls that must keep
 * working. Data only: {@link AbuseCorpusTest} runs every case one by one over HTTP and all of them at once against the
 * {@link ScriptRunner}.
 *
 * <p>Conventions: {@code outcome} is {@code succeeded} or an error type; {@code output} (JSON) is compared exactly when
 * given; {@code message} must be contained in the error message when given. A case with {@code before} first runs that
 * script as an execution of its own (one by one: just before; all at once: among everything else), so cross-run leaks
 * show up in the case's own run.
 */
final class AbuseCorpus {

    /**
     * Timeouts: short for cases that must time out, 5 s (the production default) for everything else, and the test
     * profile's longest (20 s) for memory bombs, so that on a loaded machine a bomb still reaches its memory limit
     * before its wall-clock limit.
     */
    static final int LOOP_TIMEOUT_MS = 500;
    static final int DEFAULT_TIMEOUT_MS = 5000;
    static final int BOMB_TIMEOUT_MS = 20_000;

    /**
     * @param alone true for a case whose expectation only holds when no other execution runs beside it
     */
    record Case(String name, String source, String outcome, String output, String message, int timeoutMs,
            Long memoryBytes, String before, String input, boolean alone) {

        Case message(String part) {
            return new Case(name, source, outcome, output, part, timeoutMs, memoryBytes, before, input, alone);
        }

        Case timeout(int ms) {
            return new Case(name, source, outcome, output, message, ms, memoryBytes, before, input, alone);
        }

        Case memory(long bytes) {
            return new Case(name, source, outcome, output, message, timeoutMs, bytes, before, input, alone);
        }

        Case after(String script) {
            return new Case(name, source, outcome, output, message, timeoutMs, memoryBytes, script, input, alone);
        }

        Case input(String json) {
            return new Case(name, source, outcome, output, message, timeoutMs, memoryBytes, before, json, alone);
        }

        Case runAlone() {
            return new Case(name, source, outcome, output, message, timeoutMs, memoryBytes, before, input, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private AbuseCorpus() {
    }

    private static Case ok(String name, String source, String outputJson) {
        return new Case(name, source, "succeeded", outputJson, null, DEFAULT_TIMEOUT_MS, null, null, null, false);
    }

    private static Case fails(String name, String source, String type) {
        int timeout = switch (type) {
            case "timeout" -> LOOP_TIMEOUT_MS;
            case "memory_limit" -> BOMB_TIMEOUT_MS;
            default -> DEFAULT_TIMEOUT_MS;
        };
        return new Case(name, source, type, null, null, timeout, null, null, null, false);
    }

    /** What every cross-run reader looks at: everything the polluting cases below change. */
    private static final String LEAK_PROBE = "return {global: typeof leak, proto: typeof ({}).polluted,"
            + " map: typeof [].map, parse: typeof JSON.parse, upper: 'a'.toUpperCase(), frozen: Object.isFrozen("
            + "Object.prototype), math: Math.max(1, 2), date: typeof Date.now, symbol: typeof Symbol.leak};";
    private static final String CLEAN = "{\"global\":\"undefined\",\"proto\":\"undefined\",\"map\":\"function\","
            + "\"parse\":\"function\",\"upper\":\"A\",\"frozen\":false,\"math\":2,\"date\":\"function\","
            + "\"symbol\":\"undefined\"}";
    private static final String POLLUTE = "globalThis.leak = 1; Object.prototype.polluted = 'yes';"
            + " Array.prototype.map = null; JSON.parse = null; String.prototype.toUpperCase = () => 'pwned';"
            + " Math.max = () => -1; Date.now = 1; Symbol.leak = 1; Object.freeze(Object.prototype); return 1;";

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();

        // ---- host interop: nothing of the host, the polyglot API or other runtimes exists
        c.add(fails("Java.type reaches no host class", "return Java.type('java.lang.Runtime').getRuntime();",
                "forbidden").message("Java is not available"));
        c.add(fails("Polyglot.eval does not exist", "return Polyglot.eval('js', '1');", "forbidden"));
        c.add(fails("Packages globals do not exist", "Packages.java.lang.System.exit(0);", "forbidden"));
        c.add(fails("java package global does not exist", "java.lang.System.exit(0);", "forbidden"));
        c.add(fails("load cannot read files", "load('/etc/passwd');", "forbidden"));
        c.add(fails("require does not exist", "return require('child_process').execSync('id');", "forbidden"));
        c.add(fails("process does not exist", "return process.env;", "forbidden"));
        c.add(fails("no timers", "setTimeout(() => {}, 0); return 1;", "forbidden"));
        c.add(fails("no network", "return fetch('http://169.254.169.254/latest/meta-data/');", "forbidden"));
        c.add(fails("no shared memory", "return new SharedArrayBuffer(8);", "forbidden"));
        c.add(fails("no BigInt", "return BigInt(1);", "forbidden"));
        c.add(fails("no BigInt literals", "return 10n;", "script_error").message("SyntaxError"));
        c.add(ok("BigInt cannot be smuggled in through DataView",
                "return typeof new DataView(new ArrayBuffer(8)).getBigInt64;", "\"undefined\""));
        c.add(ok("outside-reaching globals are all undefined", "return ['Java', 'Polyglot', 'Graal', 'Packages',"
                + " 'java', 'javax', 'load', 'loadWithNewGlobal', 'print', 'printErr', 'quit', 'exit', 'require',"
                + " 'process', 'setTimeout', 'setInterval', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'Debug',"
                + " 'WebAssembly', 'Worker', 'SharedArrayBuffer', 'Atomics', 'performance', 'global', 'BigInt']"
                + ".filter(n => typeof globalThis[n] !== 'undefined');", "[]"));
        c.add(ok("global object holds only ECMAScript names", "return Object.getOwnPropertyNames(globalThis)"
                + ".filter(n => /java|polyglot|graal|load|print|quit|exit|require|process|packages|debug|worker|"
                + "atomic|shared|assembly|timeout|interval|fetch|arguments/i.test(n));", "[]"));
        c.add(ok("console is a plain guest object", "return Object.getOwnPropertyNames(console).concat("
                + "console.log.constructor('return typeof Java')());",
                "[\"log\",\"info\",\"warn\",\"error\",\"debug\",\"trace\",\"undefined\"]"));
        c.add(fails("console functions lead to no host", "return console.log.constructor('return process')();",
                "forbidden"));

        // ---- constructor chains: Function constructors compile in this context and reach only this context
        c.add(fails("this.constructor.constructor('return process')", "return this.constructor.constructor("
                + "'return process')();", "forbidden"));
        c.add(ok("Function constructor sees the same sandboxed global", "return (function () {}).constructor("
                + "'return this')() === globalThis && typeof Function('return Java')"
                + " === 'function';", "true"));
        c.add(fails("Function constructor body cannot reach Java", "return Function('return Java')();",
                "forbidden"));
        c.add(ok("async function constructor", "const AsyncFunction = Object.getPrototypeOf(async function () {})"
                + ".constructor; return AsyncFunction('return typeof Java')().constructor.name;", "\"Promise\""));
        c.add(ok("generator function constructor", "const Gen = Object.getPrototypeOf(function* () {}).constructor;"
                + " return Gen('yield typeof Java; yield typeof process')().next().value;", "\"undefined\""));
        c.add(ok("async generator function constructor", "const AsyncGen = Object.getPrototypeOf(async function* ()"
                + " {}).constructor; return typeof AsyncGen('yield 1')().next;", "\"function\""));
        c.add(ok("eval is allowed and stays inside", "return [eval('typeof Java'), (0, eval)('this') === globalThis,"
                + " new Function('a', 'b', 'return a * b')(6, 7)];", "[\"undefined\",true,42]"));
        c.add(ok("Reflect.construct on Function", "return Reflect.construct(Function, ['return typeof process'])();",
                "\"undefined\""));
        c.add(ok("the caller chain holds only script functions", "return (function g() { let c = g.caller, n = 0;"
                + " while (c != null && n < 10) { if (typeof c !== 'function') return 'not a function'; c = c.caller;"
                + " n++; } return c == null && n <= 1; })();", "true"));

        // ---- prototype tricks
        c.add(ok("toJSON on Object.prototype is never called", "Object.prototype.toJSON = () => 'pwned';"
                + " return {a: 1};", "{\"a\":1}"));
        c.add(ok("array iterator replaced: output read by index", "Array.prototype[Symbol.iterator] ="
                + " function* () { yield 'evil'; }; return [1, 2];", "[1,2]"));
        c.add(fails("inherited then makes every object a thenable", "Object.defineProperty(Object.prototype,"
                + " 'then', {get() { return (resolve) => resolve('x'); }}); return {a: 1};", "script_error")
                .message("async scripts are not supported"));
        c.add(ok("__proto__ in the input is data, not a prototype", "return [typeof ({}).polluted,"
                + " Object.keys(input).length, typeof input.__proto__];", "[\"undefined\",1,\"object\"]")
                .input("{\"__proto__\": {\"polluted\": true}}"));
        c.add(ok("console survives replaced Function.prototype.apply/call", "Function.prototype.apply = null;"
                + " Function.prototype.call = null; JSON.stringify = null; String.prototype.slice = null;"
                + " console.log('still', {a: 1}); return 1;", "1"));
        // typeof on an unknown global reads it through the prototype chain: the script's own proxy answers
        c.add(ok("global object behind a Proxy answers with the script's own values", "Object.setPrototypeOf("
                + "globalThis, new Proxy({}, {get() { return 'trap'; }})); return typeof Java;", "\"string\""));
        c.add(ok("Object.prototype frozen inside one run", "Object.freeze(Object.prototype); const o = {};"
                + " o.toString = 1; return typeof o.toString;", "\"function\""));

        // ---- cross-run leaks: writers pollute, readers (run after or beside them) must see a clean context
        c.add(ok("pollution is confined to its run", POLLUTE, "1"));
        c.add(ok("next run starts clean after pollution", LEAK_PROBE, CLEAN).after(POLLUTE));
        c.add(ok("next run starts clean after a timeout", LEAK_PROBE, CLEAN)
                .after("globalThis.leak = 1; Object.prototype.polluted = 1; while (true) {}"));
        c.add(ok("next run starts clean after a failure", LEAK_PROBE, CLEAN)
                .after("globalThis.leak = 1; Object.prototype.polluted = 1; throw new Error('x');"));
        c.add(ok("pending promise work does not outlive its run", LEAK_PROBE, CLEAN)
                .after("Promise.resolve().then(() => { globalThis.leak = 1; }); new Promise(() => {}); return 1;"));
        c.add(ok("weak refs and finalizers do not outlive their run", LEAK_PROBE, CLEAN)
                .after("new FinalizationRegistry(() => { globalThis.leak = 1; }).register({}, 1);"
                        + " globalThis.ref = new WeakRef({}); return 1;"));

        // ---- async, generators, microtasks
        c.add(fails("async result is refused", "return (async () => 1)();", "script_error")
                .message("async scripts are not supported"));
        c.add(fails("hand-made thenable is refused", "return {then(resolve) { resolve(1); }};", "script_error"));
        c.add(ok("promise jobs run before the output is read", "const out = {};"
                + " Promise.resolve().then(() => { out.later = true; }); return out;", "{\"later\":true}"));
        c.add(fails("microtask flood", "(function again() { Promise.resolve().then(again); })(); return 1;",
                "timeout"));
        c.add(fails("async generator flood", "(async () => { for await (const x of (async function* () {"
                + " for (;;) yield 1; })()) {} })(); return 1;", "timeout"));
        c.add(fails("infinite generator spread", "function* g() { for (;;) yield new Float64Array(8192); }"
                + " return [...g()].length;", "memory_limit").memory(32L << 20));

        // ---- dynamic import and modules
        c.add(fails("dynamic import yields a promise", "return import('fs');", "script_error"));
        c.add(ok("dynamic import is refused", "const out = {}; import('node:fs').then(() => { out.r = 'loaded'; },"
                + " () => { out.r = 'refused'; }); return out;", "{\"r\":\"refused\"}"));
        c.add(ok("dynamic import of a data URL is refused", "const out = {};"
                + " import('data:text/javascript,export default 1').then(() => { out.r = 'loaded'; },"
                + " () => { out.r = 'refused'; }); return out;", "{\"r\":\"refused\"}"));
        c.add(fails("static import is a syntax error", "import fs from 'fs'; return 1;", "script_error")
                .message("SyntaxError"));

        // ---- Proxy
        c.add(fails("proxy traps loop during the output walk", "return new Proxy({}, {ownKeys() { while (true) {} }});",
                "timeout"));
        c.add(fails("proxy turns members into functions", "return new Proxy({a: 1}, {get() { return () => 1; }});",
                "script_error").message("is a function"));
        c.add(ok("a proxy's claimed length is never walked", "return new Proxy([], {get(t, k) {"
                + " return k === 'length' ? 1e9 : 'x'.repeat(1000); }});", "{}"));
        c.add(fails("revoked proxy as output", "const {proxy, revoke} = Proxy.revocable({}, {}); revoke();"
                + " return proxy;", "script_error").message("TypeError"));
        c.add(fails("thrown proxy", "throw new Proxy(new Error('x'), {get() { while (true) {} }});",
                "script_error"));

        // ---- Error.prepareStackTrace and stacks: guest frames only, no host names
        c.add(ok("prepareStackTrace is inert", "Error.prepareStackTrace = (e, frames) => frames.map(f =>"
                + " f.getThis()); return [typeof new Error().stack, typeof Error.captureStackTrace];",
                "[\"string\",\"undefined\"]"));
        c.add(ok("a stack names only the script", "try { null.f(); } catch (e) { return /script\\.js/.test(e.stack)"
                + " && !/java|graalvm|oracle|truffle/i.test(e.stack); }", "true"));
        c.add(ok("stack through console and setup is clean", "let s; console.log({toString() {"
                + " s = new Error().stack; return 'x'; }}); return !/java|graalvm|oracle|truffle|medhook/i.test(s);",
                "true"));

        // ---- loops and recursion
        c.add(fails("endless loop", "while (true) {}", "timeout"));
        c.add(fails("endless loop swallowing its own errors", "for (;;) { try { while (true) {} } catch (e) {}"
                + " finally { continue; } }", "timeout"));
        c.add(fails("unbounded recursion", "function f() { return f(); } return f();", "script_error")
                .message("RangeError"));
        c.add(ok("a stack overflow can be caught", "let depth = 0; function f() { depth++; try { return f(); }"
                + " catch (e) { return e instanceof RangeError; } } return [f(), depth > 100];", "[true,true]"));
        // Not here: `function f() { try { return f(); } catch (e) { return f(); } }` keeps running after its
        // cancellation (GraalJS 25.0.3 loses it near stack overflow) and would burn a CPU for the rest of the test
        // JVM. ConfiguredLimitsTest shows how such a run is reported as stuck; the README lists it as a known limit.
        c.add(fails("sort comparator that never returns", "return [3, 1, 2].sort(() => { while (true) {} });",
                "timeout"));
        c.add(fails("getter that never returns in the output", "return {get slow() { while (true) {} }};",
                "timeout"));
        c.add(fails("deep JSON.stringify", "let a = []; for (let i = 0; i < 2e5; i++) a = [a];"
                + " return JSON.stringify(a).length;", "script_error").message("nested that deep"));

        // ---- memory bombs
        c.add(fails("array push bomb", "const a = []; for (;;) a.push([a.length]);", "memory_limit")
                .memory(32L << 20));
        c.add(fails("array fill bomb", "return new Array(1e9).fill(0).length;", "memory_limit"));
        c.add(fails("object property bomb", "const o = {}; for (let i = 0; ; i++) o['k' + i] = i;",
                "memory_limit").memory(32L << 20));
        c.add(fails("map bomb", "const m = new Map(); for (let i = 0; ; i++) m.set(i, {i});", "memory_limit")
                .memory(32L << 20));
        c.add(fails("set of strings bomb", "const s = new Set(); for (let i = 0; ; i++) s.add('v' + i);",
                "memory_limit").memory(32L << 20));
        c.add(fails("typed array bomb", "const keep = []; for (;;) keep.push(new Uint8Array(1 << 20));",
                "memory_limit"));
        c.add(fails("string list bomb", "const keep = []; for (let i = 0; ; i++)"
                + " keep.push(('x' + i).repeat(1 << 14));", "memory_limit"));
        c.add(fails("one huge string", "return 'x'.repeat(2 ** 29).length;", "memory_limit")
                .message("string longer than"));
        c.add(fails("doubling string", "let s = 'x'; for (;;) s += s;", "memory_limit"));
        c.add(fails("one huge ArrayBuffer", "return new ArrayBuffer(2 ** 31 - 9).byteLength;", "memory_limit")
                .message("array buffer"));
        c.add(fails("one huge typed array", "return new Float64Array(2 ** 27).length;", "memory_limit"));
        c.add(fails("growable ArrayBuffer", "return new ArrayBuffer(8, {maxByteLength: 2 ** 30}).maxByteLength;",
                "memory_limit"));
        c.add(fails("Array.from with a huge length", "return Array.from({length: 1e8}, (_, i) => i).length;",
                "memory_limit"));
        c.add(fails("array-like with an endless length", "return Array.prototype.indexOf.call({length: 2 ** 53 - 1},"
                + " 1);", "memory_limit").message("array operation"));
        c.add(fails("sorting a huge sparse array", "return new Array(2 ** 32 - 1).sort().length;", "memory_limit"));
        c.add(fails("copying a huge sparse array", "return new Array(2 ** 25).toReversed().length;", "memory_limit"));
        // one uncancellable built-in call over the longest string allowed stays well within the memory budget
        c.add(ok("splitting the longest string allowed", "return 'ab'.repeat(2 ** 20).split('').length;", "2097152")
                .timeout(5000).runAlone());
        c.add(fails("closures bomb", "const keep = []; for (let i = 0; ; i++) keep.push(() => i);",
                "memory_limit").memory(32L << 20));
        // alone: beside memory bombs, their heap growth is counted for this run too (see MemoryMeter)
        c.add(ok("garbage does not count against the memory limit", "let s = 0; for (let i = 0; i < 2e5; i++)"
                + " { s += [i, i + 1, {i}].length; } return s;", "600000").memory(16L << 20).runAlone());

        // ---- expensive regular expressions
        c.add(ok("nested quantifier on a failing input", "return /^(a+)+$/.test('a'.repeat(40) + 'b');", "false"));
        c.add(ok("alternation blow-up", "return /^(a|a)*$/.test('a'.repeat(40) + 'b');", "false"));
        c.add(fails("backreference forces backtracking", "return /^(a*)*\\1b$/.test('a'.repeat(5000));",
                "timeout"));
        c.add(ok("huge case-changing strings stay fast", "return ['ß'.repeat(1 << 18).toUpperCase().length,"
                + " 'İ'.repeat(1 << 18).toLowerCase().length, 'ΣΑΣ '.repeat(1 << 16).toLowerCase().length];",
                "[524288,524288,262144]"));

        // ---- output abuse
        c.add(fails("function as output", "return function () {};", "script_error").message("is a function"));
        c.add(fails("class as output", "return class A {};", "script_error"));
        c.add(fails("symbol as output", "return {s: Symbol('s')};", "script_error").message("$.s"));
        c.add(fails("cycle as output", "const o = {}; o.self = o; return o;", "script_error").message("cycle"));
        c.add(fails("deep output", "let v = 1; for (let i = 0; i < 100; i++) v = [v]; return v;",
                "output_limit"));
        c.add(fails("wide output", "return 'x'.repeat(2 * 1024 * 1024 - 1);", "output_limit"));
        c.add(fails("shared references explode", "let v = ['x'.repeat(1000)]; for (let i = 0; i < 40; i++)"
                + " v = [v, v]; return v;", "output_limit"));
        c.add(fails("sparse array with a huge length", "const a = []; a.length = 1e9; return a;", "output_limit"));
        c.add(ok("Map and Set become empty objects", "return [new Map([[1, 2]]), new Set([1])];", "[{},{}]"));
        c.add(ok("log spam is capped", "for (let i = 0; i < 2e4; i++) console.log('x'.repeat(100)); return 1;",
                "1"));

        // ---- benign controls: everyday JavaScript keeps working
        c.add(ok("reshape input", "return {id: input.id, names: input.names.map(n => n.toUpperCase())};",
                "{\"id\":\"p-1\",\"names\":[\"ANA\",\"BO\"]}")
                .input("{\"id\": \"p-1\", \"names\": [\"ana\", \"bo\"]}"));
        c.add(ok("Date", "const d = new Date(Date.UTC(2024, 1, 29, 12)); return [d.toISOString(), d.getUTCDay(),"
                + " new Date('2024-03-01T00:00:00Z') - d, typeof Date.now()];",
                "[\"2024-02-29T12:00:00.000Z\",4,43200000,\"number\"]"));
        c.add(ok("Math", "return [Math.max(1, 5, 3), Math.round(2.5), Math.sqrt(16), Math.floor(-1.5),"
                + " Math.abs(-3), Math.random() < 1];", "[5,3,4,-2,3,true]"));
        c.add(ok("Intl", "return [new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD'}).format(1234.5),"
                + " new Intl.DateTimeFormat('en-GB', {timeZone: 'UTC'}).format(new Date(0)),"
                + " ['b', 'a', 'C'].sort(new Intl.Collator('en').compare), 'straße'.toLocaleUpperCase('de')];",
                "[\"$1,234.50\",\"01/01/1970\",[\"a\",\"b\",\"C\"],\"STRASSE\"]"));
        c.add(ok("RegExp", "const m = /(\\d{4})-(\\d{2})-(\\d{2})/.exec('on 2024-05-06'); return [m[1], m.index,"
                + " 'a1b22c333'.match(/\\d+/g), 'x-y-z'.replace(/-/g, '+'), /^\\p{Lu}/u.test('Ä')];",
                "[\"2024\",3,[\"1\",\"22\",\"333\"],\"x+y+z\",true]"));
        c.add(ok("JSON", "const s = JSON.stringify({a: [1, {b: null}], c: 'ü'}); return [s, JSON.parse(s).a[1]];",
                "[\"{\\\"a\\\":[1,{\\\"b\\\":null}],\\\"c\\\":\\\"ü\\\"}\",{\"b\":null}]"));
        c.add(ok("array methods", "const a = [5, 1, 4, 2, 3]; return [a.map(x => x * 2).filter(x => x > 4),"
                + " a.reduce((s, x) => s + x, 0), [...a].sort((x, y) => x - y), a.includes(4), a.indexOf(2),"
                + " a.slice(1, 3), [[1, [2]], 3].flat(2), Array.from({length: 3}, (_, i) => i), a.findLast(x => x"
                + " > 3), a.at(-1)];", "[[10,8,6],15,[1,2,3,4,5],true,3,[1,4],[1,2,3],[0,1,2],4,3]"));
        c.add(ok("classes, destructuring, spread, optional chaining", "class P { #n; constructor(n) { this.#n = n; }"
                + " get n() { return this.#n; } } const {a, ...rest} = {a: 1, b: 2, c: 3};"
                + " return [new P(7).n, a, rest, input?.missing?.deep ?? 'none'];",
                "[7,1,{\"b\":2,\"c\":3},\"none\"]"));
        c.add(ok("strings and typed arrays", "const bytes = new Uint8Array([104, 105]); return [String.fromCharCode"
                + "(...bytes), 'a,b'.split(','), 'abc'.padStart(5, '-'), encodeURIComponent('a b')];",
                "[\"hi\",[\"a\",\"b\"],\"--abc\",\"a%20b\"]"));
        return c;
    }
}
