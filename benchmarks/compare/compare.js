// Side by side: ONNX Runtime 1.30 against Kite, same inputs, alternating
// A B A B, outputs checked before any time counts.
// - fp32: ORT on the original ONNX model, Kite on its float32 conversion.
// - int8: Kite's int8 conversion (calibrated on photographs, as
//   benchmarks/calibration.json says), and ORT on the same quantization
//   exported as QDQ ONNX (--emit-qdq), once with int8 activations as written
//   and once re-expressed as uint8 (--qdq-activations uint8, ORT's preferred
//   x86 form); the faster of the two is ORT's int8 time.
// Prints markdown tables; writes results.md, results.json and chart.svg into
// the output folder.
//
//   node benchmarks/compare/compare.js [--build build] [--rounds 3] [--runs 3] [--threads 1,2] [--models a,b]
//                                      [--precision fp32,int8] [--photos DIR] [--int8-variant NAME]
// --int8-variant has Kite's int8 run one kernel variant (kite bench --int8-variant,
// e.g. avx512vnni on an AMX machine, to see a CPU without AMX); ORT is unchanged.
// (benchmarks/compare/run.sh builds and fetches first, and finds the photographs.)
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const {execFileSync} = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const args = {build: 'build', rounds: 3, runs: 3, threads: '1,2', models: '', precision: 'fp32,int8', photos: '', 'int8-variant': ''};
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in args)) { console.error(`compare.js: unknown option ${process.argv[i]}`); process.exit(2); }
  args[key] = process.argv[i + 1];
}
const build = path.resolve(root, args.build);
const kite = path.join(build, 'converter', 'kite');
const models = path.join(build, 'models');
const out = path.join(build, 'compare');
fs.mkdirSync(out, {recursive: true});
const ort = require(path.join(models, 'onnxruntime', 'node_modules', 'onnxruntime-node'));
const threads = args.threads.split(',').map(Number);
const precisions = args.precision.split(',');
for (const p of precisions) {
  if (p !== 'fp32' && p !== 'int8') { console.error(`compare.js: --precision takes fp32 and/or int8, not '${p}'`); process.exit(2); }
}
if (precisions.includes('int8') && !args.photos) {
  console.error('compare.js: int8 needs --photos (the folder of calibration photographs; run.sh finds it)');
  process.exit(2);
}

function readNpyFloat(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const bytes = buf.subarray(10 + headerLen);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function writeNpyFloat(file, data, dims) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre[0] = 0x93; pre.write('NUMPY', 1, 'latin1'); pre[6] = 1; pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

function seeded(n, seed) {  // uniform [-1, 1), a fixed LCG
  const data = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; ++i) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; data[i] = (x / 4294967296) * 2 - 1; }
  return data;
}

// Outputs agree when every element is within 1e-5 + 1e-3 x the output's
// largest magnitude (the ONNX conformance tolerances, scaled to the output),
// except discrete outputs (M-LSD's scores: a pixel survives only where it
// equals its 3x3 max, and float noise can flip that), where at most 0.1% of
// the elements may differ.
function agreement(name, want, got) {
  let worst = 0;
  const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const bound = 1e-5 + 1e-3 * largest;
  let beyond = 0;
  for (let i = 0; i < want.length; ++i) {
    const e = Math.abs(want[i] - got[i]);
    worst = Math.max(worst, e);
    if (!(e <= bound)) ++beyond;
  }
  const relative = largest > 0 ? worst / largest : worst;
  const ok = name === 'scores' ? beyond <= want.length / 1000 : beyond === 0;
  return {ok, relative, beyond};
}

// Kite int8 against ONNX Runtime on the same quantization: per output, the
// SQNR in dB (discrete outputs: the share of equal elements). Both round the
// same requantizations, but not always the same way (ORT's fused kernels),
// and a one-code difference can grow along the network.
function int8Agreement(name, want, got) {
  if (name === 'scores') {
    let same = 0;
    for (let i = 0; i < want.length; ++i) same += want[i] === got[i];
    return {discrete: true, same: same / want.length};
  }
  return {discrete: false, sqnr: sqnr(want, got)};
}

// When Kite's int8 times count: every non-discrete output within kMinInt8Sqnr
// dB SQNR of ORT's int8 output; or, for deep networks where one-code
// rounding differences compound layer after layer (BlazeFace-back: the first
// differing codes at its second depthwise conv, ~100 layers before the
// outputs), Kite and ORT closer to each other than ORT is to float32 by
// kInt8AgreementMargin dB and Kite as close to float32 as ORT (within
// kInt8FidelitySlack dB) on every output. A wrong kernel fails both: it makes
// Kite worse than ORT against float32.
const kMinInt8Sqnr = 20;
const kInt8AgreementMargin = 3;
const kInt8FidelitySlack = 1;
// ORT's own int8 can be far from float32: on an AVX2 CPU without VNNI
// (AMD Zen 3) its QDQ BlazeFace-front outputs are 20.1, -14.6, 18.4 and
// 9.7 dB from float32 where Kite's are 29.2, 22.5, 26.7 and 26.2 dB. Then
// ORT is no reference for Kite's correctness; Kite's times count when its
// error is at most half ORT's (kOrtInaccurateMargin dB) against float32 on
// every output, and the row says that ORT's int8 is inaccurate.
const kOrtInaccurateMargin = 6;

function sqnr(want, got) {
  let signal = 0, noise = 0;
  for (let i = 0; i < want.length; ++i) { signal += want[i] * want[i]; noise += (want[i] - got[i]) ** 2; }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

function calibrationFor(name) {
  const settings = JSON.parse(fs.readFileSync(path.join(root, 'benchmarks', 'calibration.json'), 'utf8'));
  const prefix = Object.keys(settings.families).sort((a, b) => b.length - a.length).find(p => name.startsWith(p));
  if (!prefix) throw new Error(`no calibration settings for ${name} in benchmarks/calibration.json`);
  const family = settings.families[prefix];
  const dir = path.join(out, `${name}.calibration`);
  fs.mkdirSync(dir, {recursive: true});
  for (const photo of settings.photo_sets[family.photos]) {
    const link = path.join(dir, photo);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(path.resolve(args.photos), photo), link);
  }
  return ['--calibration', dir, ...family.flags];
}

async function sessionsFor(file) {
  const sessions = {};
  for (const t of threads) {
    sessions[t] = await ort.InferenceSession.create(file, {intraOpNumThreads: t, interOpNumThreads: 1, logSeverityLevel: 3});
  }
  return sessions;
}

function kiteOutputs(kiteFile, input, npy, outputNames, dir) {
  execFileSync(kite, ['run', kiteFile, '--input', `${input}=${npy}`, '--output-dir', dir], {stdio: 'ignore'});
  const outputs = {};
  for (const name of outputNames) outputs[name] = readNpyFloat(path.join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`));
  return outputs;
}

// One precision of one model: the ORT sides (label -> sessions) and Kite's
// file, timed in alternating rounds once their outputs agreed.
async function timeSides(name, ortSides, kiteFile, feeds, row) {
  for (const t of threads) {
    const times = {kite: []};
    for (const label of Object.keys(ortSides)) {
      times[label] = [];
      await ortSides[label][t].run(feeds);  // warm-up
    }
    for (let r = 0; r < Number(args.rounds); ++r) {
      process.stderr.write(`compare: ${name} ${row.precision}: ${t} thread(s), round ${r + 1}/${args.rounds}\r`);
      for (const label of Object.keys(ortSides)) {
        for (let i = 0; i < Number(args.runs); ++i) {
          const start = process.hrtime.bigint();
          await ortSides[label][t].run(feeds);
          times[label].push(Number(process.hrtime.bigint() - start) / 1e6);
        }
      }
      const variant = row.precision === 'int8' && args['int8-variant'] ? ['--int8-variant', args['int8-variant']] : [];
      const json = JSON.parse(execFileSync(kite, ['bench', kiteFile, '--json', '--runs', String(args.runs), '--warmup', '1',
                                                  '--threads', String(t), ...variant], {maxBuffer: 64 << 20}).toString());
      times.kite.push(...json.latency_ms.all);
      if (t === threads[0]) {
        const top = json.profile[0];
        row.kite_top_op = `${top.op} '${top.node}' ${(100 * top.share).toFixed(0)}%`;
      }
    }
    for (const label of Object.keys(times)) {
      row.ms[label] = row.ms[label] || {};
      row.ms[label][t] = median(times[label]);
    }
  }
  process.stderr.write('\n');
}

async function compareFp32(name, onnx, shapeArgs, input, feeds, npy) {
  const row = {model: name, precision: 'fp32', agree: true, worst_relative_error: 0, ms: {}, kite_top_op: ''};
  const kiteFile = path.join(out, `${name}.kite`);
  process.stderr.write(`compare: ${name}: convert float32\n`);
  execFileSync(kite, ['convert', onnx, '-o', kiteFile, ...shapeArgs], {stdio: 'ignore'});
  const sessions = await sessionsFor(onnx);
  // Outputs first: a fast wrong answer never scores.
  const reference = await sessions[threads[0]].run(feeds);
  const got = kiteOutputs(kiteFile, input, npy, sessions[threads[0]].outputNames, path.join(out, `${name}.kite_out`));
  for (const outName of sessions[threads[0]].outputNames) {
    const a = agreement(outName, reference[outName].data, got[outName]);
    if (outName !== 'scores') row.worst_relative_error = Math.max(row.worst_relative_error, a.relative);
    row.agree = row.agree && a.ok;
  }
  if (!row.agree) {
    process.stderr.write(`compare: ${name}: outputs differ (worst ${row.worst_relative_error.toExponential(2)}): not timed\n`);
    return row;
  }
  await timeSides(name, {ort: sessions}, kiteFile, feeds, row);
  return row;
}

async function compareInt8(name, onnx, shapeArgs, input, feeds, npy) {
  const row = {model: name, precision: 'int8', agree: true, worst_sqnr_db: Infinity, discrete_same: 1, ms: {}, kite_top_op: ''};
  const kiteFile = path.join(out, `${name}.int8.kite`);
  const qdq = {ort_s8: path.join(out, `${name}.qdq_s8.onnx`), ort_u8: path.join(out, `${name}.qdq_u8.onnx`)};
  for (const [label, activations] of [['ort_s8', 'int8'], ['ort_u8', 'uint8']]) {
    process.stderr.write(`compare: ${name}: convert int8, QDQ with ${activations} activations\n`);
    // --target-sqnr 0: every op in int8, so ONNX Runtime runs exactly Kite's quantization (no search).
    execFileSync(kite, ['convert', onnx, '-o', kiteFile, ...shapeArgs, '--quantize', 'int8', '--target-sqnr', '0',
                        ...calibrationFor(name), '--emit-qdq', qdq[label], '--qdq-activations', activations],
                 {stdio: 'ignore'});
  }
  const sides = {ort_s8: await sessionsFor(qdq.ort_s8), ort_u8: await sessionsFor(qdq.ort_u8)};
  const outputNames = sides.ort_s8[threads[0]].outputNames;
  const got = kiteOutputs(kiteFile, input, npy, outputNames, path.join(out, `${name}.int8.kite_out`));
  const float32 = await (await ort.InferenceSession.create(onnx, {intraOpNumThreads: 1, logSeverityLevel: 3})).run(feeds);
  let closer = true;  // the relative criterion, over every output and both ORT forms
  let ortInaccurate = true;  // Kite far closer to float32 than ORT, on every output and both forms
  row.worst_fidelity_db = {kite: Infinity, ort: Infinity};
  for (const label of Object.keys(sides)) {
    const reference = await sides[label][threads[0]].run(feeds);
    for (const outName of outputNames) {
      const a = int8Agreement(outName, reference[outName].data, got[outName]);
      if (a.discrete) {
        row.discrete_same = Math.min(row.discrete_same, a.same);
        continue;
      }
      row.worst_sqnr_db = Math.min(row.worst_sqnr_db, a.sqnr);
      const ortFidelity = sqnr(float32[outName].data, reference[outName].data);
      const kiteFidelity = sqnr(float32[outName].data, got[outName]);
      row.worst_fidelity_db.ort = Math.min(row.worst_fidelity_db.ort, ortFidelity);
      row.worst_fidelity_db.kite = Math.min(row.worst_fidelity_db.kite, kiteFidelity);
      closer = closer && a.sqnr >= ortFidelity + kInt8AgreementMargin && kiteFidelity >= ortFidelity - kInt8FidelitySlack;
      ortInaccurate = ortInaccurate && kiteFidelity >= ortFidelity + kOrtInaccurateMargin;
    }
  }
  row.agree = row.worst_sqnr_db >= kMinInt8Sqnr || closer;
  if (!row.agree && ortInaccurate && row.worst_fidelity_db.kite !== Infinity) {
    row.agree = true;
    row.ort_int8_inaccurate = true;
    process.stderr.write(`compare: ${name}: ORT's int8 is ${row.worst_fidelity_db.ort.toFixed(1)} dB from float32, Kite's ` +
                         `${row.worst_fidelity_db.kite.toFixed(1)} dB: ORT's int8 is inaccurate on this CPU; timed, and marked\n`);
  }
  if (!row.agree) {
    process.stderr.write(`compare: ${name}: int8 outputs differ from ORT's (${row.worst_sqnr_db.toFixed(1)} dB; ` +
                         `against float32 Kite ${row.worst_fidelity_db.kite.toFixed(1)} dB, ORT ` +
                         `${row.worst_fidelity_db.ort.toFixed(1)} dB): not timed\n`);
    return row;
  }
  await timeSides(name, sides, kiteFile, feeds, row);
  row.ms.ort = {};
  for (const t of threads) row.ms.ort[t] = Math.min(row.ms.ort_s8[t], row.ms.ort_u8[t]);
  return row;
}

function fmt(v) { return v == null ? 'n/a' : v.toFixed(2); }

function tables(results) {
  const lines = [];
  const fp32 = results.filter(r => r.precision === 'fp32');
  if (fp32.length) {
    const head = ['model', ...threads.flatMap(t => [`ORT fp32 ${t}T ms`, `Kite fp32 ${t}T ms`, `Kite/ORT ${t}T`]), 'Kite costliest op'];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of fp32) {
      const cells = [r.model];
      for (const t of threads) {
        if (!r.agree) { cells.push('outputs differ', '', ''); continue; }
        cells.push(fmt(r.ms.ort[t]), fmt(r.ms.kite[t]), (r.ms.kite[t] / r.ms.ort[t]).toFixed(2) + 'x');
      }
      cells.push(r.kite_top_op);
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  const int8 = results.filter(r => r.precision === 'int8');
  if (int8.length) {
    const head = ['model', ...threads.flatMap(t => [`ORT s8 ${t}T ms`, `ORT u8 ${t}T ms`, `Kite int8 ${t}T ms`, `Kite/ORT int8 ${t}T`]),
                  'Kite vs ORT int8', 'Kite costliest op'];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of int8) {
      const cells = [r.model];
      for (const t of threads) {
        if (!r.agree) { cells.push('outputs differ', '', '', ''); continue; }
        cells.push(fmt(r.ms.ort_s8[t]), fmt(r.ms.ort_u8[t]), fmt(r.ms.kite[t]), (r.ms.kite[t] / r.ms.ort[t]).toFixed(2) + 'x');
      }
      let agree = `${r.worst_sqnr_db === Infinity ? 'identical' : r.worst_sqnr_db.toFixed(1) + ' dB'}`;
      if (r.worst_sqnr_db < kMinInt8Sqnr) {
        agree += ` (vs float32: Kite ${r.worst_fidelity_db.kite.toFixed(1)}, ORT ${r.worst_fidelity_db.ort.toFixed(1)} dB)`;
      }
      if (r.ort_int8_inaccurate) agree += `; ORT's int8 inaccurate on this CPU`;
      if (r.discrete_same < 1) agree += `, scores ${(100 * r.discrete_same).toFixed(2)}% equal`;
      cells.push(agree, r.kite_top_op);
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const list = fs.readFileSync(path.join(root, 'benchmarks', 'models.txt'), 'utf8').split('\n')
      .filter(l => l.trim() && !l.startsWith('#')).map(l => l.trim().split(/\s+/))
      .filter(([name]) => !args.models || args.models.split(',').includes(name));
  const results = [];
  for (const [name, rel, input, shapeText] of list) {
    const shape = shapeText.split(',').map(Number);
    const onnx = path.join(models, rel);
    const shapeArgs = ['--input-shape', `${input}:${shapeText}`];
    const data = seeded(shape.reduce((a, b) => a * b, 1), 1234);
    const npy = path.join(out, `${name}.input.npy`);
    writeNpyFloat(npy, data, shape);
    const feeds = {[input]: new ort.Tensor('float32', data, shape)};
    if (precisions.includes('fp32')) results.push(await compareFp32(name, onnx, shapeArgs, input, feeds, npy));
    if (precisions.includes('int8')) results.push(await compareInt8(name, onnx, shapeArgs, input, feeds, npy));
  }

  const cpu = os.cpus()[0].model.trim();
  const table = tables(results);
  const note = `Median latency, ms; ${args.rounds} rounds x ${args.runs} runs per side, alternating; inputs seeded uniform [-1, 1]. ` +
      `fp32: outputs agree (1e-5 + 1e-3 x largest value per element; M-LSD scores: 99.9% of elements) before timing. ` +
      `int8: Kite's int8 conversion against ORT on the same quantization as QDQ ONNX, int8 (s8) and uint8 (u8) activations; ` +
      `Kite/ORT int8 divides by the faster; times count when every non-discrete output is at least ${kMinInt8Sqnr} dB SQNR from ORT's, ` +
      `or, on every output, Kite and ORT are at least ${kInt8AgreementMargin} dB closer to each other than ORT is to float32 and Kite ` +
      `is within ${kInt8FidelitySlack} dB of ORT's SQNR against float32 (one-code rounding differences compounding over a deep network), ` +
      `or Kite is at least ${kOrtInaccurateMargin} dB closer to float32 than ORT on every output (ORT's int8 inaccurate on this CPU, marked). ` +
      (args['int8-variant'] ? `Kite's int8 ran the ${args['int8-variant']} kernels only (--int8-variant). ` : '') +
      `Machine: ${cpu}, ${os.cpus().length} cores.`;
  fs.writeFileSync(path.join(out, 'results.md'), `${table}\n${note}\n`);
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({machine: cpu, args, results}, null, 2));
  fs.writeFileSync(path.join(out, 'chart.svg'), chart(results));
  console.log(table + '\n' + note);
  console.log(`\nwrote ${path.join(out, 'results.md')}, results.json, chart.svg`);
}

// Horizontal bars, log scale: ORT and Kite median latency at the first
// thread count, one pair per model and precision.
function chart(results) {
  const t = threads[0];
  const rows = results.filter(r => r.agree && r.ms.kite && r.ms.kite[t] != null);
  if (!rows.length) return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n';
  const width = 760, left = 170, barH = 12, rowH = 34, top = 40;
  const height = top + rows.length * rowH + 40;
  const all = rows.flatMap(r => [r.ms.ort[t], r.ms.kite[t]]);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const x = v => left + (Math.log10(v / lo) / Math.log10(hi / lo)) * (width - left - 20);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">\n`;
  svg += `<text x="${left}" y="18" font-size="13">Median latency, ${t} thread(s), log scale (ms): ONNX Runtime vs Kite, same precision</text>\n`;
  for (let d = lo; d <= hi; d *= 10) {
    svg += `<line x1="${x(d)}" y1="${top - 8}" x2="${x(d)}" y2="${height - 30}" stroke="#ddd"/><text x="${x(d)}" y="${height - 15}" text-anchor="middle">${d}</text>\n`;
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg += `<text x="${left - 6}" y="${y + barH + 3}" text-anchor="end">${r.model} ${r.precision}</text>\n`;
    svg += `<rect x="${left}" y="${y}" width="${x(r.ms.ort[t]) - left}" height="${barH}" fill="#4a7bd0"/><text x="${x(r.ms.ort[t]) + 4}" y="${y + 10}">ORT ${r.ms.ort[t].toFixed(1)}</text>\n`;
    svg += `<rect x="${left}" y="${y + barH + 2}" width="${x(r.ms.kite[t]) - left}" height="${barH}" fill="#e07b39"/><text x="${x(r.ms.kite[t]) + 4}" y="${y + barH + 12}">Kite ${r.ms.kite[t].toFixed(1)}</text>\n`;
  });
  return svg + '</svg>\n';
}

main().catch(e => { console.error(`compare.js: ${e.stack || e}`); process.exit(1); });
