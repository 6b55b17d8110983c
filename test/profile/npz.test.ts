import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {PlannerError} from '../../src/errors.js';
import {encodeNpy, parseNpy} from '../../src/profile/npy.js';
import {encodeNpz, parseNpz, readNpz} from '../../src/profile/npz.js';
import {FIXTURES_DIR} from '../helpers/cli.js';

const SAMPLES = path.join(FIXTURES_DIR, 'npz-samples');
const REFERENCE = path.join(FIXTURES_DIR, 'dynamo-h200-tp1-llama3.1-8b-fp8');
const expected = JSON.parse(readFileSync(path.join(SAMPLES, 'expected.json'), 'utf8'));

async function refusal(file: string): Promise<PlannerError> {
  try {
    await readNpz(path.join(SAMPLES, file));
  } catch (err) {
    expect(err).toBeInstanceOf(PlannerError);
    return err as PlannerError;
  }
  throw new Error(`${file} was accepted`);
}

describe('NPZ reader on files NumPy wrote', () => {
  it('reads stored int64/float64 members with their dtypes and values', async () => {
    const a = await readNpz(path.join(SAMPLES, 'stored_f8_i8.npz'));
    for (const [key, want] of Object.entries(expected['stored_f8_i8.npz'] as Record<string, {dtype: string; shape: number[]; values: number[]}>)) {
      expect(a[key].dtype).toBe(want.dtype);
      expect(a[key].shape).toEqual(want.shape);
      expect(a[key].data).toEqual(want.values);
    }
  });

  it('reads deflated members identically', async () => {
    expect(await readNpz(path.join(SAMPLES, 'deflated_f8_i8.npz'))).toEqual(await readNpz(path.join(SAMPLES, 'stored_f8_i8.npz')));
  });

  it('reads int32 and float32', async () => {
    const a = await readNpz(path.join(SAMPLES, 'f4_i4.npz'));
    expect(a.a).toMatchObject({dtype: '<i4', data: expected['f4_i4.npz'].a.values});
    expect(a.b).toMatchObject({dtype: '<f4', data: expected['f4_i4.npz'].b.values});
  });

  it('reads a one-element array and a 0-d array', async () => {
    const a = await readNpz(path.join(SAMPLES, 'scalar_and_one_element.npz'));
    expect(a.max_kv_tokens).toEqual({dtype: '<i8', shape: [1], data: [945029]});
    expect(a.zero_d).toEqual({dtype: '<f8', shape: [], data: [7.5]});
  });

  it('keeps NaN, infinities, -0, subnormals and the largest double', async () => {
    const {a} = await readNpz(path.join(SAMPLES, 'special_values.npz'));
    expect(a.data[0]).toBeNaN();
    expect(a.data.slice(1, 3)).toEqual([Infinity, -Infinity]);
    expect(Object.is(a.data[3], -0)).toBe(true);
    expect(a.data[4]).toBe(Number.MIN_VALUE);
    expect(a.data[5]).toBe(Number.MAX_VALUE);
  });

  it('reorders Fortran-order arrays into C order', async () => {
    const a = await readNpz(path.join(SAMPLES, 'fortran_2d.npz'));
    expect(a.grid.shape).toEqual([2, 3]);
    expect(a.grid.data).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.grid_c.data).toEqual(a.grid.data);
  });

  it('refuses big-endian data, saying how to fix it', async () => {
    const err = await refusal('big_endian.npz');
    expect(err.message).toMatch(/big_endian\.npz:.*'>f8' is not supported/);
    expect(err.hint).toMatch(/big-endian/);
  });

  it('refuses object arrays without unpickling', async () => {
    const err = await refusal('object_array.npz');
    expect(err.message).toMatch(/dtype '\|O' is not supported/);
    expect(err.hint).toMatch(/never unpickles/);
  });

  it('refuses a truncated file', async () => {
    expect((await refusal('truncated.npz')).message).toMatch(/truncated\.npz: not a zip archive, or truncated/);
  });

  it('refuses a zip without .npy members', async () => {
    expect((await refusal('wrong_member.npz')).message).toMatch(/wrong_member\.npz: the archive holds no \.npy arrays/);
  });

  it('detects a corrupted member by its CRC', () => {
    const buf = Buffer.from(readFileSync(path.join(SAMPLES, 'stored_f8_i8.npz')));
    buf[200] ^= 0xff; // inside the first member's data
    expect(() => parseNpz(buf, 'corrupt.npz')).toThrow(/corrupt\.npz: zip member .* is corrupt/);
  });
});

describe('NPZ writer', () => {
  it('writes Dynamo reference files byte for byte', () => {
    for (const file of ['prefill_raw_data.npz', 'decode_raw_data.npz']) {
      const original = readFileSync(path.join(REFERENCE, file));
      expect(encodeNpz(parseNpz(original, file)).equals(original)).toBe(true);
    }
  });

  it('round-trips every dtype and a 0-d array', () => {
    const arrays = {
      i8: {dtype: '<i8' as const, shape: [3], data: [1, -2, 2 ** 53 - 1]},
      f8: {dtype: '<f8' as const, shape: [2], data: [0.1, -1e300]},
      i4: {dtype: '<i4' as const, shape: [1], data: [-7]},
      f4: {dtype: '<f4' as const, shape: [1], data: [Math.fround(0.1)]},
      s: {dtype: '<f8' as const, shape: [], data: [7.5]},
    };
    expect(parseNpz(encodeNpz(arrays), 'x.npz')).toEqual(arrays);
  });

  it('pads the NPY header to 64 bytes as NumPy does', () => {
    const npy = encodeNpy({dtype: '<f8', shape: [17], data: new Array(17).fill(1)});
    const headerLen = npy.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(npy.toString('latin1', 10, 10 + headerLen)).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(17,\), \} +\n$/);
    expect(parseNpy(npy, 'x.npy').data).toHaveLength(17);
  });

  it('refuses int64 values beyond 2^53 rather than rounding them', () => {
    const npy = encodeNpy({dtype: '<i8', shape: [1], data: [0]});
    npy.writeBigInt64LE(2n ** 60n, npy.length - 8);
    expect(() => parseNpy(npy, 'big.npy')).toThrow(/beyond 2\^53/);
  });
});
