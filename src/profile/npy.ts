/**
 * NPY v1/v2/v3 arrays (NumPy's `.npy` format): a magic string, a header that is a Python dict
 * literal (`descr`, `fortran_order`, `shape`), then the raw little-endian data.
 * We read and write `<i8`, `<f8`, `<i4`, `<f4`, any shape in C order (Fortran order is reordered
 * on read), and refuse what we cannot read faithfully (object arrays, big-endian, other dtypes).
 */
import {badInput} from '../errors.js';
import type {NpyDtype} from './types.js';

export interface NpyArray {
  dtype: NpyDtype;
  /** Shape as NumPy reports it; `[]` for a 0-d array. */
  shape: number[];
  /** Values in C (row-major) order. */
  data: number[];
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const HEADER_ALIGN = 64; // NumPy >= 1.? pads headers so data starts on a 64-byte boundary
const ITEM_SIZE: Record<NpyDtype, number> = {'<i8': 8, '<f8': 8, '<i4': 4, '<f4': 4};

function isDtype(descr: string): descr is NpyDtype {
  return descr in ITEM_SIZE;
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parse the header dict literal NumPy writes, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (17,), }`. */
function parseHeader(text: string, where: string): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr) {
    // Structured dtypes have a list as descr; they are not numeric arrays we can use.
    if (/'descr'\s*:\s*\[/.test(text)) throw badInput(`${where}: structured dtype is not supported`, 'expected a plain numeric array');
    throw badInput(`${where}: NPY header has no 'descr'`);
  }
  if (!fortran || !shape) throw badInput(`${where}: NPY header is malformed: ${text.trim()}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw badInput(`${where}: NPY shape ${shape[0]} is not valid`);
      return n;
    });
  return {descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims};
}

function describeRefusal(descr: string): string {
  if (descr.includes('O')) return 'it holds Python objects (pickled); planner never unpickles data';
  if (descr.startsWith('>')) return 'it is big-endian; re-save it little-endian with NumPy (arr.astype(arr.dtype.newbyteorder("<")))';
  return 'planner reads <i8, <f8, <i4 and <f4 arrays';
}

/** Read one `.npy` member. `where` names it in errors (e.g. `raw_data.npz:prefill_isl.npy`). */
export function parseNpy(buf: Buffer, where: string): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw badInput(`${where}: not an NPY array (bad magic)`);
  const major = buf[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw badInput(`${where}: NPY header is truncated`);
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw badInput(`${where}: NPY format version ${major}.${buf[7]} is not supported`);
  }
  if (buf.length < headerStart + headerLen) throw badInput(`${where}: NPY header is truncated`);
  const header = parseHeader(buf.subarray(headerStart, headerStart + headerLen).toString('latin1'), where);
  const descr = header.descr.replace(/^=/, '<');
  if (!isDtype(descr)) throw badInput(`${where}: dtype '${header.descr}' is not supported`, describeRefusal(header.descr));
  const count = header.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[descr];
  const dataStart = headerStart + headerLen;
  if (buf.length < dataStart + count * size) {
    throw badInput(`${where}: NPY data is truncated (${buf.length - dataStart} of ${count * size} bytes)`);
  }
  const raw = new Array<number>(count);
  for (let i = 0; i < count; i++) raw[i] = readValue(buf, dataStart + i * size, descr, where);
  const data = header.fortranOrder && header.shape.length > 1 ? fortranToC(raw, header.shape) : raw;
  return {dtype: descr, shape: header.shape, data};
}

function readValue(buf: Buffer, offset: number, dtype: NpyDtype, where: string): number {
  switch (dtype) {
    case '<f8':
      return buf.readDoubleLE(offset);
    case '<f4':
      return buf.readFloatLE(offset);
    case '<i4':
      return buf.readInt32LE(offset);
    case '<i8': {
      const v = buf.readBigInt64LE(offset);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw badInput(`${where}: int64 value ${v} is beyond 2^53 and cannot be represented exactly`);
      }
      return Number(v);
    }
  }
}

/** Reorder column-major data into row-major order. */
function fortranToC(data: number[], shape: number[]): number[] {
  const n = data.length;
  const out = new Array<number>(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < n; c++) {
    // idx is the multi-index of C position c; its Fortran position has the first axis fastest.
    let f = 0;
    let stride = 1;
    for (let a = 0; a < rank; a++) {
      f += idx[a] * stride;
      stride *= shape[a];
    }
    out[c] = data[f];
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Encode an array exactly as `numpy.save` does (format 1.0, header padded to 64 bytes). */
export function encodeNpy(array: NpyArray): Buffer {
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${array.dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const pad = (HEADER_ALIGN - (unpadded % HEADER_ALIGN)) % HEADER_ALIGN;
  const headerText = `${dict}${' '.repeat(pad)}\n`;
  const size = ITEM_SIZE[array.dtype];
  const out = Buffer.alloc(10 + headerText.length + array.data.length * size);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(headerText.length, 8);
  out.write(headerText, 10, 'latin1');
  let offset = 10 + headerText.length;
  for (const v of array.data) {
    switch (array.dtype) {
      case '<f8':
        out.writeDoubleLE(v, offset);
        break;
      case '<f4':
        out.writeFloatLE(v, offset);
        break;
      case '<i4':
        out.writeInt32LE(v, offset);
        break;
      case '<i8':
        out.writeBigInt64LE(BigInt(v), offset);
        break;
    }
    offset += size;
  }
  return out;
}
