// Side by side: ONNX Runtime 1.30 on the original ONNX models against Kite on
// their conversions, same inputs, alternating A B A B, outputs checked before
// any time counts. Prints a markdown table; writes results.md, results.json
// and chart.svg into the output folder.
//
//   node benchmarks/compare/compare.js [--build build] [--rounds 3] [--runs 3] [--threads 1,2] [--models a,b]
// (benchmarks/compare/run.sh builds and fetches first.)
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const {execFileSync} = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const args = {build: 'build', rounds: 3, runs: 3, threads: '1,2', models: ''};
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

async function main() {
  const list = fs.readFileSync(path.join(root, 'benchmarks', 'models.txt'), 'utf8').split('\n')
      .filter(l => l.trim() && !l.startsWith('#')).map(l => l.trim().split(/\s+/))
      .filter(([name]) => !args.models || args.models.split(',').includes(name));
  const results = [];
  for (const [name, rel, input, shapeText] of list) {
    const shape = shapeText.split(',').map(Number);
    const onnx = path.join(models, rel);
    const kiteFile = path.join(out, `${name}.kite`);
    process.stderr.write(`compare: ${name}: convert\n`);
    execFileSync(kite, ['convert', onnx, '-o', kiteFile, '--input-shape', `${input}:${shapeText}`], {stdio: 'ignore'});
    const data = seeded(shape.reduce((a, b) => a * b, 1), 1234);
    const npy = path.join(out, `${name}.input.npy`);
    writeNpyFloat(npy, data, shape);

    // Outputs first: a fast wrong answer never scores.
    const kiteOut = path.join(out, `${name}.kite_out`);
    execFileSync(kite, ['run', kiteFile, '--input', `${input}=${npy}`, '--output-dir', kiteOut], {stdio: 'ignore'});
    const row = {model: name, agree: true, worst_relative_error: 0, ort_ms: {}, kite_ms: {}, kite_top_op: ''};
    const sessions = {};
    for (const t of threads) {
      sessions[t] = await ort.InferenceSession.create(onnx, {intraOpNumThreads: t, interOpNumThreads: 1, logSeverityLevel: 3});
    }
    const feeds = {[input]: new ort.Tensor('float32', data, shape)};
    const reference = await sessions[threads[0]].run(feeds);
    for (const outName of sessions[threads[0]].outputNames) {
      const safe = outName.replace(/[^A-Za-z0-9_.-]/g, '_');
      const a = agreement(outName, reference[outName].data, readNpyFloat(path.join(kiteOut, `${safe}.npy`)));
      if (outName !== 'scores') row.worst_relative_error = Math.max(row.worst_relative_error, a.relative);
      row.agree = row.agree && a.ok;
    }
    if (!row.agree) {
      process.stderr.write(`compare: ${name}: outputs differ (worst ${row.worst_relative_error.toExponential(2)}): not timed\n`);
      results.push(row);
      continue;
    }
    for (const t of threads) {
      const ortTimes = [], kiteTimes = [];
      await sessions[t].run(feeds);  // warm-up
      for (let r = 0; r < Number(args.rounds); ++r) {
        process.stderr.write(`compare: ${name}: ${t} thread(s), round ${r + 1}/${args.rounds}\r`);
        for (let i = 0; i < Number(args.runs); ++i) {  // A: ONNX Runtime
          const start = process.hrtime.bigint();
          await sessions[t].run(feeds);
          ortTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        {  // B: Kite
          const json = JSON.parse(execFileSync(kite, ['bench', kiteFile, '--json', '--runs', String(args.runs), '--warmup', '1',
                                                      '--threads', String(t)], {maxBuffer: 64 << 20}).toString());
          kiteTimes.push(...json.latency_ms.all);
          if (t === 1) {
            const top = json.profile[0];
            row.kite_top_op = `${top.op} '${top.node}' ${(100 * top.share).toFixed(0)}%`;
          }
        }
      }
      row.ort_ms[t] = median(ortTimes);
      row.kite_ms[t] = kiteTimes.length ? median(kiteTimes) : null;
    }
    process.stderr.write('\n');
    results.push(row);
  }

  const cpu = os.cpus()[0].model.trim();
  const lines = [];
  const head = ['model', ...threads.flatMap(t => [`ORT fp32 ${t}T ms`, `Kite fp32 ${t}T ms`, `Kite/ORT ${t}T`]), 'Kite costliest op (1T)'];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const r of results) {
    const cells = [r.model];
    for (const t of threads) {
      if (!r.agree) { cells.push('outputs differ', '', ''); continue; }
      const k = r.kite_ms[t];
      cells.push(r.ort_ms[t].toFixed(2), k == null ? 'n/a' : k.toFixed(2), k == null ? 'n/a' : (k / r.ort_ms[t]).toFixed(1) + 'x');
    }
    cells.push(r.kite_top_op);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const table = lines.join('\n');
  const note = `Median latency, ms; ${args.rounds} rounds x ${args.runs} runs per side, alternating; inputs seeded uniform [-1, 1]; ` +
      `outputs agree (1e-5 + 1e-3 x largest value per element; M-LSD scores: 99.9% of elements) before timing. Machine: ${cpu}, ${os.cpus().length} cores. ` +
      `Kite: XNNPACK and Kite's own kernels, float32 (int8: benchmarks/models/run.sh).`;
  fs.writeFileSync(path.join(out, 'results.md'), `${table}\n\n${note}\n`);
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({machine: cpu, args, results}, null, 2));
  fs.writeFileSync(path.join(out, 'chart.svg'), chart(results));
  console.log(table + '\n\n' + note);
  console.log(`\nwrote ${path.join(out, 'results.md')}, results.json, chart.svg`);
}

// Horizontal bars, log scale: ORT and Kite median latency at 1 thread.
function chart(results) {
  const rows = results.filter(r => r.agree && r.kite_ms[1] != null);
  const width = 760, left = 150, barH = 12, rowH = 34, top = 40;
  const height = top + rows.length * rowH + 40;
  const all = rows.flatMap(r => [r.ort_ms[1], r.kite_ms[1]]);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const x = v => left + (Math.log10(v / lo) / Math.log10(hi / lo)) * (width - left - 20);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">\n`;
  svg += `<text x="${left}" y="18" font-size="13">Median latency, 1 thread, log scale (ms): ONNX Runtime fp32 vs Kite fp32</text>\n`;
  for (let d = lo; d <= hi; d *= 10) {
    svg += `<line x1="${x(d)}" y1="${top - 8}" x2="${x(d)}" y2="${height - 30}" stroke="#ddd"/><text x="${x(d)}" y="${height - 15}" text-anchor="middle">${d}</text>\n`;
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg += `<text x="${left - 6}" y="${y + barH + 3}" text-anchor="end">${r.model}</text>\n`;
    svg += `<rect x="${left}" y="${y}" width="${x(r.ort_ms[1]) - left}" height="${barH}" fill="#4a7bd0"/><text x="${x(r.ort_ms[1]) + 4}" y="${y + 10}">ORT ${r.ort_ms[1].toFixed(1)}</text>\n`;
    svg += `<rect x="${left}" y="${y + barH + 2}" width="${x(r.kite_ms[1]) - left}" height="${barH}" fill="#e07b39"/><text x="${x(r.kite_ms[1]) + 4}" y="${y + barH + 12}">Kite ${r.kite_ms[1].toFixed(1)}</text>\n`;
  });
  return svg + '</svg>\n';
}

main().catch(e => { console.error(`compare.js: ${e.stack || e}`); process.exit(1); });
