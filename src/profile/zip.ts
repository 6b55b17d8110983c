/**
 * The part of the ZIP format NPZ files use: reading stored and deflated members (with ZIP64
 * sizes), and writing stored members laid out exactly as Python's `zipfile` does for
 * `numpy.savez` (ZIP64 local extra, 1980-01-01 timestamps), so exports are byte-identical.
 */
import zlib from 'node:zlib';
import {badInput} from '../errors.js';

export interface ZipMember {
  name: string;
  data: Buffer;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const U32_MAX = 0xffffffff;

function findEnd(buf: Buffer, file: string): number {
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === SIG_END) return i;
  }
  throw badInput(`${file}: not a zip archive, or truncated (no end-of-archive record)`, 'an .npz file is a zip of .npy arrays');
}

/** Sizes/offset in a central record may be 0xFFFFFFFF with the real values in the ZIP64 extra field. */
function applyZip64(extra: Buffer, values: {usize: number; csize: number; offset: number}): void {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const size = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      for (const key of ['usize', 'csize', 'offset'] as const) {
        if (values[key] === U32_MAX && q + 8 <= p + 4 + size) {
          values[key] = Number(extra.readBigUInt64LE(q));
          q += 8;
        }
      }
      return;
    }
    p += 4 + size;
  }
}

/** Read every member of a zip archive held in memory. */
export function readZip(buf: Buffer, file: string): ZipMember[] {
  const end = findEnd(buf, file);
  let count = buf.readUInt16LE(end + 10);
  let cdOffset = buf.readUInt32LE(end + 16);
  if ((cdOffset === U32_MAX || count === 0xffff) && end >= 20 && buf.readUInt32LE(end - 20) === SIG_END64_LOCATOR) {
    const end64 = Number(buf.readBigUInt64LE(end - 20 + 8));
    if (end64 + 56 > buf.length || buf.readUInt32LE(end64) !== SIG_END64) throw badInput(`${file}: corrupt ZIP64 end record`);
    count = Number(buf.readBigUInt64LE(end64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(end64 + 48));
  }
  const members: ZipMember[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== SIG_CENTRAL) throw badInput(`${file}: corrupt zip central directory (entry ${i + 1})`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const values = {csize: buf.readUInt32LE(p + 20), usize: buf.readUInt32LE(p + 24), offset: buf.readUInt32LE(p + 42)};
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    applyZip64(buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), values);
    p += 46 + nameLen + extraLen + commentLen;

    const local = values.offset;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== SIG_LOCAL) throw badInput(`${file}: corrupt zip member ${name} (bad local header)`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (dataStart + values.csize > buf.length) throw badInput(`${file}: zip member ${name} is truncated`);
    const raw = buf.subarray(dataStart, dataStart + values.csize);
    let data: Buffer;
    if (method === METHOD_STORED) data = raw;
    else if (method === METHOD_DEFLATED) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (err) {
        throw badInput(`${file}: zip member ${name} does not inflate (${(err as Error).message})`);
      }
    } else throw badInput(`${file}: zip member ${name} uses compression method ${method}`, 'only stored and deflated members are supported');
    if (data.length !== values.usize || zlib.crc32(data) !== crc) throw badInput(`${file}: zip member ${name} is corrupt (size or CRC mismatch)`);
    members.push({name, data});
  }
  return members;
}

const DOS_DATE_1980_01_01 = 0x0021;
const VERSION_ZIP64 = 45;
const MADE_BY_UNIX = (3 << 8) | VERSION_ZIP64;
const MODE_RW_USER = 0o600 << 16;

/** Write stored members the way `numpy.savez` (Python zipfile, force_zip64) lays them out. */
export function writeZip(members: ZipMember[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const crc = zlib.crc32(m.data);
    const local = Buffer.alloc(30 + name.length + 20);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(VERSION_ZIP64, 4);
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(METHOD_STORED, 8);
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(U32_MAX, 18);
    local.writeUInt32LE(U32_MAX, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(20, 28);
    name.copy(local, 30);
    const extra = 30 + name.length;
    local.writeUInt16LE(0x0001, extra);
    local.writeUInt16LE(16, extra + 2);
    local.writeBigUInt64LE(BigInt(m.data.length), extra + 4);
    local.writeBigUInt64LE(BigInt(m.data.length), extra + 12);
    parts.push(local, m.data);

    const cd = Buffer.alloc(46 + name.length);
    cd.writeUInt32LE(SIG_CENTRAL, 0);
    cd.writeUInt16LE(MADE_BY_UNIX, 4);
    cd.writeUInt16LE(VERSION_ZIP64, 6);
    cd.writeUInt16LE(0, 8);
    cd.writeUInt16LE(METHOD_STORED, 10);
    cd.writeUInt16LE(0, 12);
    cd.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(m.data.length, 20);
    cd.writeUInt32LE(m.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(MODE_RW_USER, 38);
    cd.writeUInt32LE(offset, 42);
    name.copy(cd, 46);
    central.push(cd);
    offset += local.length + m.data.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
