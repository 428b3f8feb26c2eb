// Reads a GGUF file's header — metadata and tensor descriptors — without
// touching the weights. Every length and count is checked against the file
// size, so a truncated or hostile file gives INVALID_GGUF, never a huge allocation.
import { open, type FileHandle } from 'node:fs/promises';

import { FathomError } from '../errors.js';
import type { GgufInfo, GgufTensorInfo, GgufValue } from './gguf-info.js';
import { TENSOR_TYPES } from './tensor-types.js';

const MAGIC = 0x46554747; // "GGUF" read as little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const CHUNK = 1 << 20;

enum ValueType {
  UINT8 = 0, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64,
}
const SCALAR_BYTES: Record<number, number> = {
  [ValueType.UINT8]: 1, [ValueType.INT8]: 1, [ValueType.UINT16]: 2, [ValueType.INT16]: 2,
  [ValueType.UINT32]: 4, [ValueType.INT32]: 4, [ValueType.FLOAT32]: 4, [ValueType.BOOL]: 1,
  [ValueType.UINT64]: 8, [ValueType.INT64]: 8, [ValueType.FLOAT64]: 8,
};

/** Sequential little-endian reader over a file, pulling 1 MiB chunks as needed. */
class FileReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(private readonly file: FileHandle, readonly size: number, private readonly path: string) {}

  truncated(what: string): FathomError {
    return new FathomError('INVALID_GGUF', `${this.path} is truncated or corrupt: ${what} runs past the end of the file (${this.size} bytes)`);
  }

  private async ensure(n: number, what: string): Promise<number> {
    if (this.position + n > this.size) throw this.truncated(what);
    const offset = this.position - this.bufferStart;
    if (offset + n <= this.buffer.length) return offset;
    const length = Math.min(Math.max(n, CHUNK), this.size - this.position);
    const next = Buffer.alloc(length);
    const { bytesRead } = await this.file.read(next, 0, length, this.position);
    if (bytesRead < n) throw this.truncated(what);
    this.buffer = next.subarray(0, bytesRead);
    this.bufferStart = this.position;
    return 0;
  }

  async scalar(type: ValueType, what: string): Promise<GgufValue> {
    const n = SCALAR_BYTES[type];
    const at = await this.ensure(n, what);
    this.position += n;
    const b = this.buffer;
    switch (type) {
      case ValueType.UINT8: return b.readUInt8(at);
      case ValueType.INT8: return b.readInt8(at);
      case ValueType.UINT16: return b.readUInt16LE(at);
      case ValueType.INT16: return b.readInt16LE(at);
      case ValueType.UINT32: return b.readUInt32LE(at);
      case ValueType.INT32: return b.readInt32LE(at);
      case ValueType.FLOAT32: return b.readFloatLE(at);
      case ValueType.BOOL: return b.readUInt8(at) !== 0;
      case ValueType.UINT64: return safeNumber(b.readBigUInt64LE(at));
      case ValueType.INT64: return safeNumber(b.readBigInt64LE(at));
      case ValueType.FLOAT64: return b.readDoubleLE(at);
      default: throw new FathomError('INVALID_GGUF', `${this.path}: ${what} has unknown value type ${type}`);
    }
  }

  async u32(what: string): Promise<number> {
    return (await this.scalar(ValueType.UINT32, what)) as number;
  }

  /** A uint64 count or size that must be a safe integer no larger than `limit`. */
  async count(what: string, limit: number): Promise<number> {
    const v = await this.scalar(ValueType.UINT64, what);
    if (typeof v !== 'number' || v > limit) {
      throw new FathomError('INVALID_GGUF', `${this.path}: ${what} (${v}) is larger than the file allows`);
    }
    return v;
  }

  async string(what: string): Promise<string> {
    const length = await this.count(`length of ${what}`, this.size - this.position);
    const at = await this.ensure(length, what);
    this.position += length;
    return this.buffer.toString('utf8', at, at + length);
  }
}

function safeNumber(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

async function readValue(r: FileReader, type: number, key: string, depth = 0): Promise<GgufValue> {
  if (type === ValueType.STRING) return r.string(`value of ${key}`);
  if (type === ValueType.ARRAY) {
    if (depth > 2) throw new FathomError('INVALID_GGUF', `${key}: arrays nested too deeply`);
    const elementType = await r.u32(`array type of ${key}`);
    const minBytes = elementType === ValueType.STRING ? 8 : (SCALAR_BYTES[elementType] ?? 1);
    const n = await r.count(`array length of ${key}`, Math.floor((r.size - r.position) / minBytes));
    const out: GgufValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = await readValue(r, elementType, key, depth + 1);
    return out;
  }
  if (!(type in SCALAR_BYTES)) throw new FathomError('INVALID_GGUF', `metadata key '${key}' has unknown value type ${type}`);
  return r.scalar(type, `value of ${key}`);
}

function asNumber(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

/** Reads metadata and tensor descriptors of a GGUF file; weights are not read. */
export async function readGguf(path: string): Promise<GgufInfo> {
  if (typeof path !== 'string' || path.length === 0) throw new FathomError('INVALID_ARGUMENT', 'path must be a non-empty string');
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? (error as Error).message})`;
    throw new FathomError('FILE_NOT_FOUND', `${why}: ${path}`, { cause: error });
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new FathomError('FILE_NOT_FOUND', `not a regular file: ${path}`);
    const r = new FileReader(file, stat.size, path);
    if (stat.size < 8 || (await r.u32('magic')) !== MAGIC) {
      throw new FathomError('INVALID_GGUF', `${path} is not a GGUF file (it does not start with the bytes "GGUF")`);
    }
    const version = await r.u32('version');
    if (version < 2 || version > 3) throw new FathomError('INVALID_GGUF', `${path} is GGUF version ${version}; versions 2 and 3 are supported`);
    const nTensors = await r.count('tensor count', stat.size);
    const nKv = await r.count('metadata count', stat.size);

    const metadata: Record<string, GgufValue> = {};
    for (let i = 0; i < nKv; i++) {
      const key = await r.string(`metadata key ${i}`);
      const type = await r.u32(`type of ${key}`);
      metadata[key] = await readValue(r, type, key);
    }

    const infos: Array<GgufTensorInfo & { relative: number }> = [];
    let parameterCount = 0;
    for (let i = 0; i < nTensors; i++) {
      const name = await r.string(`tensor ${i} name`);
      const nDims = await r.u32(`dimensions of ${name}`);
      if (nDims > 4) throw new FathomError('INVALID_GGUF', `${path}: tensor '${name}' has ${nDims} dimensions (at most 4)`);
      const shape: number[] = [];
      for (let d = 0; d < nDims; d++) shape.push(await r.count(`dimension ${d} of ${name}`, Number.MAX_SAFE_INTEGER));
      const typeId = await r.u32(`type of ${name}`);
      const type = TENSOR_TYPES.get(typeId);
      if (!type) throw new FathomError('INVALID_GGUF', `${path}: tensor '${name}' has unknown type id ${typeId}`);
      const relative = await r.count(`offset of ${name}`, Number.MAX_SAFE_INTEGER);
      const elements = shape.reduce((a, b) => a * b, 1);
      if ((shape[0] ?? 1) % type.blockSize !== 0) {
        throw new FathomError('INVALID_GGUF', `${path}: tensor '${name}' row length ${shape[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`);
      }
      parameterCount += elements;
      infos.push({ name, type: type.name, shape, offset: 0, byteSize: (elements / type.blockSize) * type.blockBytes, relative });
    }

    const alignment = asNumber(metadata['general.alignment']) ?? DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new FathomError('INVALID_GGUF', `${path}: general.alignment ${alignment} is not a power of two`);
    }
    const dataStart = Math.ceil(r.position / alignment) * alignment;
    const tensors = infos.map(({ relative, ...t }) => {
      const offset = dataStart + relative;
      if (offset + t.byteSize > stat.size) {
        throw new FathomError('INVALID_GGUF', `${path} is truncated: tensor '${t.name}' needs bytes ${offset}..${offset + t.byteSize} but the file has ${stat.size}`);
      }
      return { ...t, offset };
    });

    const architecture = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : '';
    const arch = (key: string) => asNumber(metadata[`${architecture}.${key}`]);
    const tokens = metadata['tokenizer.ggml.tokens'];
    const info: GgufInfo = {
      path,
      version,
      fileSize: stat.size,
      architecture,
      name: typeof metadata['general.name'] === 'string' ? metadata['general.name'] : undefined,
      contextLength: arch('context_length'),
      embeddingLength: arch('embedding_length'),
      blockCount: arch('block_count'),
      feedForwardLength: arch('feed_forward_length'),
      headCount: arch('attention.head_count'),
      headCountKv: arch('attention.head_count_kv') ?? arch('attention.head_count'),
      vocabSize: arch('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
      parameterCount,
      tensors,
      metadata,
    };
    return info;
  } finally {
    await file.close();
  }
}
