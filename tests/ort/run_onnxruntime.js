// Runs an ONNX model with ONNX Runtime (the npm package onnxruntime-node) on
// .npy inputs and writes one .npy per output: the independent reference the
// converter's tests compare Kite against.
//
//   node run_onnxruntime.js MODEL.onnx OUT_DIR NAME=FILE.npy...
// NODE_PATH must reach onnxruntime-node. One thread, all graph optimizations.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const kDtypes = {'<f4': ['float32', Float32Array], '|i1': ['int8', Int8Array], '<i8': ['int64', BigInt64Array],
                 '<i4': ['int32', Int32Array], '|u1': ['uint8', Uint8Array]};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const offset = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', offset, offset + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Ctor] = kDtypes[descr] || (() => { throw new Error(`${file}: dtype ${descr} not supported`); })();
  const start = offset + headerLen;
  const bytes = buf.subarray(start);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return new ort.Tensor(type, data, shape);
}

function writeNpy(file, tensor) {
  const descr = {float32: '<f4', int8: '|i1', int64: '<i8', int32: '<i4', uint8: '|u1', bool: '|b1'}[tensor.type];
  const dims = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  header += ' '.repeat(pad) + '\n';
  const pre = Buffer.alloc(10);
  pre[0] = 0x93; pre.write('NUMPY', 1, 'latin1'); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

async function main() {
  const [model, outDir, ...specs] = process.argv.slice(2);
  if (!model || !outDir) {
    console.error('usage: node run_onnxruntime.js MODEL.onnx OUT_DIR NAME=FILE.npy...');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3});
  const feeds = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    feeds[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
  }
  const results = await session.run(feeds);
  fs.mkdirSync(outDir, {recursive: true});
  for (const name of session.outputNames) {
    const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
    writeNpy(path.join(outDir, `${safe}.npy`), results[name]);
    console.log(`${path.join(outDir, safe + '.npy')} ${results[name].type} [${results[name].dims}]`);
  }
}

main().catch(e => { console.error(`run_onnxruntime: ${e.message}`); process.exit(1); });
