// Writes GGUF files (version 3): typed metadata, tensor descriptors, then each
// tensor's bytes at an aligned offset. Used to synthesize models for tests and
// benchmarks and by `fathom quantize`. Tensor data may be produced lazily, so a
// multi-gigabyte model never has to sit in memory at once.
import { open } from 'node:fs/promises';

import { FathomError, invalidArgument, openError } from '../errors.js';
import type { GgufValue } from './gguf-info.js';
import { TENSOR_TYPES } from './tensor-types.js';

export type GgufValueType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';

/** A metadata value with its GGUF type; arrays hold elements of one type. */
export type GgufTypedValue =
  | { type: GgufValueType; value: number | bigint | boolean | string }
  | { type: 'array'; elementType: GgufValueType; value: ReadonlyArray<number | bigint | boolean | string> };

/** Plain JS values get a type: integers u32 (i32 if negative), other numbers f32, arrays of numbers f32 unless all are integers (i32). */
export type GgufWritableValue = GgufTypedValue | number | boolean | string | readonly string[] | readonly number[];

export interface GgufTensorToWrite {
  name: string;
  /** ggml type name, e.g. "F32", "Q4_K". */
  type: string;
  /** Dimensions, innermost first (ggml order). */
  shape: readonly number[];
  /** The tensor's bytes in `type`'s layout, or a function producing them when written. */
  data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

export interface GgufToWrite {
  metadata: Record<string, GgufWritableValue>;
  tensors: readonly GgufTensorToWrite[];
  alignment?: number;
}

const TYPE_IDS: Record<GgufValueType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};
const TYPE_BY_NAME = new Map([...TENSOR_TYPES.values()].map((t) => [t.name, t]));

export const gguf = {
  u32: (value: number): GgufTypedValue => ({ type: 'u32', value }),
  i32: (value: number): GgufTypedValue => ({ type: 'i32', value }),
  f32: (value: number): GgufTypedValue => ({ type: 'f32', value }),
  u64: (value: number | bigint): GgufTypedValue => ({ type: 'u64', value }),
  bool: (value: boolean): GgufTypedValue => ({ type: 'bool', value }),
  string: (value: string): GgufTypedValue => ({ type: 'string', value }),
  array: (elementType: GgufValueType, value: ReadonlyArray<number | bigint | boolean | string>): GgufTypedValue => ({ type: 'array', elementType, value }),
};

/** A value read from a GGUF file, with the type it was stored with (GgufInfo.metadataTypes), ready to write back. */
export function storedValue(value: GgufValue, storedType: string): GgufTypedValue {
  if (storedType.startsWith('array:')) {
    return { type: 'array', elementType: storedType.slice(6) as GgufValueType, value: value as Array<number | bigint | boolean | string> };
  }
  return { type: storedType as GgufValueType, value: value as number | bigint | boolean | string };
}

function typed(key: string, v: GgufWritableValue): GgufTypedValue {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'type' in v) return v as GgufTypedValue;
  if (typeof v === 'string') return { type: 'string', value: v };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'number') return { type: Number.isInteger(v) ? (v < 0 ? 'i32' : 'u32') : 'f32', value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { type: 'array', elementType: 'string', value: v };
    if (v.every((x) => typeof x === 'number')) return { type: 'array', elementType: v.every((x) => Number.isInteger(x)) ? 'i32' : 'f32', value: v };
  }
  throw invalidArgument(`metadata '${key}' has a value that cannot be written to GGUF`);
}

/** Appends little-endian binary values to growing chunks. */
class ByteWriter {
  #chunks: Buffer[] = [];
  #current = Buffer.alloc(1 << 16);
  #used = 0;
  length = 0;

  #room(n: number): void {
    if (this.#used + n <= this.#current.length) return;
    this.#chunks.push(this.#current.subarray(0, this.#used));
    this.#current = Buffer.alloc(Math.max(1 << 16, n));
    this.#used = 0;
  }

  scalar(type: GgufValueType, value: number | bigint | boolean | string): void {
    if (type === 'string') {
      const bytes = Buffer.from(String(value), 'utf8');
      this.scalar('u64', bytes.length);
      this.bytes(bytes);
      return;
    }
    const sizes: Record<string, number> = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8 };
    const n = sizes[type];
    this.#room(n);
    const b = this.#current;
    const at = this.#used;
    switch (type) {
      case 'u8':
        b.writeUInt8(Number(value), at);
        break;
      case 'i8':
        b.writeInt8(Number(value), at);
        break;
      case 'bool':
        b.writeUInt8(value ? 1 : 0, at);
        break;
      case 'u16':
        b.writeUInt16LE(Number(value), at);
        break;
      case 'i16':
        b.writeInt16LE(Number(value), at);
        break;
      case 'u32':
        b.writeUInt32LE(Number(value), at);
        break;
      case 'i32':
        b.writeInt32LE(Number(value), at);
        break;
      case 'f32':
        b.writeFloatLE(Number(value), at);
        break;
      case 'u64':
        b.writeBigUInt64LE(BigInt(value as number | bigint), at);
        break;
      case 'i64':
        b.writeBigInt64LE(BigInt(value as number | bigint), at);
        break;
      case 'f64':
        b.writeDoubleLE(Number(value), at);
        break;
    }
    this.#used += n;
    this.length += n;
  }

  bytes(data: Uint8Array): void {
    this.#room(data.length);
    this.#current.set(data, this.#used);
    this.#used += data.length;
    this.length += data.length;
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.bytes(new Uint8Array(pad));
  }

  finish(): Buffer {
    return Buffer.concat([...this.#chunks, this.#current.subarray(0, this.#used)]);
  }
}

/** Bytes a tensor of `type` and `shape` occupies. */
export function tensorByteSize(type: string, shape: readonly number[]): number {
  const t = TYPE_BY_NAME.get(type);
  if (!t) throw invalidArgument(`unknown tensor type '${type}'`);
  if (shape.length === 0 || shape.length > 4 || shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) {
    throw invalidArgument(`tensor shape [${shape.join(', ')}] must have 1 to 4 positive dimensions`);
  }
  if (shape[0] % t.blockSize !== 0) throw invalidArgument(`row length ${shape[0]} is not a multiple of the ${type} block size ${t.blockSize}`);
  return (shape.reduce((a, b) => a * b, 1) / t.blockSize) * t.blockBytes;
}

/** Writes a GGUF v3 file. */
export async function writeGguf(path: string, model: GgufToWrite): Promise<void> {
  const alignment = model.alignment ?? 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw invalidArgument('alignment must be a power of two');
  const header = new ByteWriter();
  header.bytes(Buffer.from('GGUF', 'ascii'));
  header.scalar('u32', 3);
  header.scalar('u64', model.tensors.length);
  const entries = Object.entries(model.metadata);
  if (alignment !== 32 && !('general.alignment' in model.metadata)) entries.push(['general.alignment', gguf.u32(alignment)]);
  header.scalar('u64', entries.length);
  for (const [key, raw] of entries) {
    const v = typed(key, raw);
    header.scalar('string', key);
    header.scalar('u32', TYPE_IDS[v.type]);
    if (v.type === 'array') {
      header.scalar('u32', TYPE_IDS[v.elementType]);
      header.scalar('u64', v.value.length);
      for (const element of v.value) header.scalar(v.elementType, element);
    } else {
      header.scalar(v.type, v.value);
    }
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const t of model.tensors) {
    const size = tensorByteSize(t.type, t.shape);
    sizes.push(size);
    header.scalar('string', t.name);
    header.scalar('u32', t.shape.length);
    for (const d of t.shape) header.scalar('u64', d);
    header.scalar('u32', TYPE_BY_NAME.get(t.type)!.id);
    header.scalar('u64', offset);
    offset += Math.ceil(size / alignment) * alignment;
  }
  header.padTo(alignment);

  const file = await open(path, 'w').catch((error: unknown) => {
    throw openError(error, path, 'write');
  });
  try {
    await file.write(header.finish());
    for (const [i, t] of model.tensors.entries()) {
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      if (data.length !== sizes[i]) {
        throw new FathomError('INVALID_ARGUMENT', `tensor '${t.name}' has ${data.length} bytes, expected ${sizes[i]} for ${t.type} [${t.shape.join(', ')}]`);
      }
      await file.write(data);
      const pad = (alignment - (data.length % alignment)) % alignment;
      if (pad) await file.write(new Uint8Array(pad));
    }
  } finally {
    await file.close();
  }
}
