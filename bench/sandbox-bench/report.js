'use strict';
// Prints the side-by-side table from the harnesses' result files and writes it to target/report.md.
//   node report.js OUT.md NODE.json MEDHOOK1.json [MEDHOOK2.json …]

const fs = require('node:fs');
const [outFile, nodeFile, ...ours] = process.argv.slice(2);

function stats(r) {
  const s = Float64Array.from(r.samplesNs).sort();
  const q = p => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] / 1e6;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] / 1e6, perSec: s.length / (r.elapsedNs / 1e9),
    failures: r.failures, hash: r.outputHash };
}
const ms = v => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const num = v => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = v => v.toFixed(2) + '×';

const node = JSON.parse(fs.readFileSync(nodeFile, 'utf8'));
const sides = ours.filter(f => fs.existsSync(f)).map(f => JSON.parse(fs.readFileSync(f, 'utf8')));
const lines = [];
lines.push('| workload | side | runs | failed | p50 ms | p99 ms | max ms | exec/s | p50 ratio | p99 ratio | exec/s ratio | output = node |');
lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const nr of node.results) {
  const n = stats(nr);
  lines.push(`| ${nr.title} | ${node.side} | ${n.n} | ${n.failures} | ${ms(n.p50)} | ${ms(n.p99)} | ${ms(n.max)} | ${num(n.perSec)} | | | | |`);
  for (const side of sides) {
    const mr = side.results.find(x => x.workload === nr.workload);
    if (!mr) continue;
    const m = stats(mr);
    lines.push(`| | ${side.side} | ${m.n} | ${m.failures} | ${ms(m.p50)} | ${ms(m.p99)} | ${ms(m.max)} | ${num(m.perSec)} | `
      + `${ratio(m.p50 / n.p50)} | ${ratio(m.p99 / n.p99)} | ${ratio(m.perSec / n.perSec)} | ${m.hash === n.hash ? 'yes' : 'NO'} |`);
  }
}
const legend = [
  '',
  'Ratios are MedHook / node:vm: latency ratios below 1× and exec/s ratios above 1× favour MedHook.',
  'Sides: ' + [node, ...sides].map(s => `${s.side} = ${s.runtime}`).join('; ') + '.',
];
const text = lines.concat(legend).join('\n') + '\n';
process.stdout.write(text);
fs.writeFileSync(outFile, text);
