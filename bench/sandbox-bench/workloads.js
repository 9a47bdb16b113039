'use strict';
// The three workloads, defined once for both sides. `node workloads.js` prints them as JSON for the Java harness.
// Each one is the request body sandbox-service receives: {source, input, timeoutMs}; the node harness sends the
// same body through the same steps (parse the request, fresh context, run, serialize the response).

const TIMEOUT_MS = 5000; // sandbox-service's default limit (medhook.sandbox.limits.timeout)

// 100 synthetic patient records as an EHR webhook might deliver them (no real data)
function records(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: `p-${i}`,
      mrn: `MRN${100000 + i}`,
      name: { given: [`Given${i}`, 'Middle'], family: `Family${i}` },
      birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      gender: i % 2 ? 'female' : 'male',
      active: i % 7 !== 0,
      address: { line: [`${i} Main St`], city: 'Springfield', state: 'IL', postalCode: `627${String(i % 100).padStart(2, '0')}` },
      observations: [
        { code: '8867-4', display: 'Heart rate', value: 60 + (i % 40), unit: '/min' },
        { code: '8480-6', display: 'Systolic blood pressure', value: 110 + (i % 30), unit: 'mm[Hg]' },
      ],
    });
  }
  return out;
}

const workloads = [
  {
    name: 'a-tiny-expression',
    title: '(a) tiny expression',
    source: 'return input.n * 2 + 1;',
    input: { n: 20 },
  },
  {
    name: 'b-reshape-100',
    title: '(b) 100-record JSON reshape',
    source: `
const entry = input.records.map(r => ({
  resource: {
    resourceType: 'Patient',
    id: r.id,
    active: r.active,
    identifier: [{system: 'urn:example:mrn', value: r.mrn}],
    name: [{given: r.name.given, family: r.name.family.toUpperCase()}],
    gender: r.gender,
    birthDate: r.birthDate,
    address: [{city: r.address.city, state: r.address.state, postalCode: r.address.postalCode}],
    heartRate: (r.observations.find(o => o.code === '8867-4') || {}).value ?? null
  }
}));
return {resourceType: 'Bundle', type: 'collection', total: entry.length, entry};`,
    input: { records: records(100) },
  },
  {
    name: 'c-cpu-loop-5e6',
    title: '(c) CPU loop, 5e6 steps',
    source: 'let s = 0;\nfor (let i = 0; i < 5e6; i++) { s = (s + i * 7) % 1000003; }\nreturn s;',
    input: null,
  },
].map(w => ({ ...w, body: JSON.stringify({ source: w.source, input: w.input, timeoutMs: TIMEOUT_MS }) }));

module.exports = { workloads, TIMEOUT_MS };

if (require.main === module) {
  process.stdout.write(JSON.stringify(workloads.map(w => ({ name: w.name, title: w.title, body: w.body })), null, 1));
}
