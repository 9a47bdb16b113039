'use strict';
// node:vm side of the sandbox benchmark: per execution a new vm.createContext, the script run with the `timeout`
// option, the same request/response work as sandbox-service (parse the request body, parse the input inside the
// context, capture console calls, serialize the response). One execution at a time, like one sandbox slot.
//
//   node node-vm-bench.js OUT.json [warmupSeconds] [measureSeconds] [minSamples]
//
// NODE_INPUT=share passes the host-parsed input object into the context instead of parsing it inside (cheaper, but
// the script then reaches the host realm's prototypes: not what a sandbox should do). Default: parse.

const vm = require('node:vm');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { workloads } = require('./workloads.js');

const [out, warmupS = '10', measureS = '15', minSamples = '20'] = process.argv.slice(2);
const shareInput = process.env.NODE_INPUT === 'share';

function makeConsole(logs) {
  const write = (...args) => logs.push(args.map(a => {
    if (typeof a === 'string') return a;
    if (typeof a === 'object' && a !== null) { try { const s = JSON.stringify(a); if (s !== undefined) return s; } catch (e) { /* cycles */ } }
    return String(a);
  }).join(' '));
  return { log: write, info: write, warn: write, error: write, debug: write, trace: write };
}

function execute(body) {
  const start = process.hrtime.bigint();
  const req = JSON.parse(body);
  const logs = [];
  const sandbox = shareInput ? { input: req.input } : { __input: JSON.stringify(req.input ?? null) };
  sandbox.console = makeConsole(logs);
  const context = vm.createContext(sandbox);
  const call = shareInput ? '(input)' : '(JSON.parse(__input))';
  let response;
  try {
    const output = vm.runInContext('(function(input) {\n' + req.source + '\n})' + call, context,
      { timeout: req.timeoutMs, filename: 'script.js' });
    const durationMs = Number((process.hrtime.bigint() - start) / 1000000n);
    response = JSON.stringify({ status: 'succeeded', output: output === undefined ? null : output, logs, logsTruncated: false, durationMs });
  } catch (e) {
    const durationMs = Number((process.hrtime.bigint() - start) / 1000000n);
    const type = e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? 'timeout' : 'script_error';
    response = JSON.stringify({ status: 'failed', error: { type, message: String(e && e.message) }, logs, logsTruncated: false, durationMs });
  }
  return response;
}

function measure(w) {
  const warmupEnd = process.hrtime.bigint() + BigInt(Math.round(Number(warmupS) * 1e9));
  let warmups = 0;
  while (process.hrtime.bigint() < warmupEnd) { execute(w.body); warmups++; }
  const samples = [];
  let failures = 0;
  let outputHash = null;
  const begin = process.hrtime.bigint();
  const measureEnd = begin + BigInt(Math.round(Number(measureS) * 1e9));
  while (process.hrtime.bigint() < measureEnd || samples.length < Number(minSamples)) {
    const t0 = process.hrtime.bigint();
    const response = execute(w.body);
    samples.push(Number(process.hrtime.bigint() - t0));
    const parsed = JSON.parse(response);
    if (parsed.status !== 'succeeded') failures++;
    else if (outputHash === null) outputHash = crypto.createHash('sha256').update(JSON.stringify(parsed.output)).digest('hex');
  }
  const elapsedNs = Number(process.hrtime.bigint() - begin);
  return { workload: w.name, title: w.title, warmups, samplesNs: samples, elapsedNs, failures, outputHash };
}

const results = workloads.map(w => {
  const r = measure(w);
  process.stderr.write(`  node:vm ${w.name}: ${r.samplesNs.length} runs, ${r.failures} failed\n`);
  return r;
});
fs.writeFileSync(out, JSON.stringify({
  side: shareInput ? 'node:vm (shared input)' : 'node:vm', runtime: `node ${process.version}`, results,
}));
