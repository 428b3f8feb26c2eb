// Reads a GGUF file's header — metadata and tensor descriptors — without
// touching the weights. Every length and count is checked against the file
// size, so a truncated or hostile file gives INVALID_GGUF, never a huge allocation.
import { open, type FileHandle } from 'node:fs/promises';

import { FathomError, openError } from '../errors.js';
import type { GgufInfo, GgufTensorInfo, GgufValue } from './gguf-info.js';
import { TENSOR_TYPES } from './tensor-types.js';

const MAGIC = 0x46554747; // "GGUF" read as little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const FIRST_READ = 4 << 20;
// Far above real files (a 256k-token vocabulary has ~500k merges); keeps a hostile
// header from building giant JS arrays or strings.
const MAX_HEADER_BYTES = 1 << 30;
const MAX_ARRAY_ELEMENTS = 1 << 26;
const MAX_STRING_BYTES = 1 << 26;

enum ValueType {
  UINT8 = 0,
  INT8,
  UINT16,
  INT16,
  UINT32,
  INT32,
  FLOAT32,
  BOOL,
  STRING,
  ARRAY,
  UINT64,
  INT64,
  FLOAT64,
}
const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'];
const SCALAR_BYTES: Record<number, number> = {
  [ValueType.UINT8]: 1,
  [ValueType.INT8]: 1,
  [ValueType.UINT16]: 2,
  [ValueType.INT16]: 2,
  [ValueType.UINT32]: 4,
  [ValueType.INT32]: 4,
  [ValueType.FLOAT32]: 4,
  [ValueType.BOOL]: 1,
  [ValueType.UINT64]: 8,
  [ValueType.INT64]: 8,
  [ValueType.FLOAT64]: 8,
};

/** Thrown when the header continues past the bytes read so far; the caller reads more and parses again. */
class NeedMoreBytes extends Error {}

/** Synchronous little-endian reader over the first bytes of a file. */
class HeaderReader {
  position = 0;

  readonly #buffer: Buffer;
  readonly fileSize: number;
  readonly #path: string;

  constructor(buffer: Buffer, fileSize: number, path: string) {
    this.#buffer = buffer;
    this.fileSize = fileSize;
    this.#path = path;
  }

  #take(n: number, what: string): number {
    if (this.position + n > this.fileSize) {
      throw new FathomError('INVALID_GGUF', `${this.#path} is truncated or corrupt: ${what} runs past the end of the file (${this.fileSize} bytes)`);
    }
    if (this.position + n > this.#buffer.length) throw new NeedMoreBytes();
    const at = this.position;
    this.position += n;
    return at;
  }

  scalar(type: ValueType, what: string): GgufValue {
    const b = this.#buffer;
    switch (type) {
      case ValueType.UINT8:
        return b.readUInt8(this.#take(1, what));
      case ValueType.INT8:
        return b.readInt8(this.#take(1, what));
      case ValueType.UINT16:
        return b.readUInt16LE(this.#take(2, what));
      case ValueType.INT16:
        return b.readInt16LE(this.#take(2, what));
      case ValueType.UINT32:
        return b.readUInt32LE(this.#take(4, what));
      case ValueType.INT32:
        return b.readInt32LE(this.#take(4, what));
      case ValueType.FLOAT32:
        return b.readFloatLE(this.#take(4, what));
      case ValueType.BOOL:
        return b.readUInt8(this.#take(1, what)) !== 0;
      case ValueType.UINT64:
        return safeNumber(b.readBigUInt64LE(this.#take(8, what)));
      case ValueType.INT64:
        return safeNumber(b.readBigInt64LE(this.#take(8, what)));
      case ValueType.FLOAT64:
        return b.readDoubleLE(this.#take(8, what));
      default:
        throw new FathomError('INVALID_GGUF', `${this.#path}: ${what} has unknown value type ${type}`);
    }
  }

  u32(what: string): number {
    return this.scalar(ValueType.UINT32, what) as number;
  }

  /** The uint32 at an already-read position. */
  peekU32(at: number): number {
    return this.#buffer.readUInt32LE(at);
  }

  /** A uint64 count or size that must be a safe integer no larger than `limit`. */
  count(what: string, limit: number): number {
    const v = this.scalar(ValueType.UINT64, what);
    if (typeof v !== 'number' || v > limit) {
      throw new FathomError('INVALID_GGUF', `${this.#path}: ${what} (${v}) is larger than the file allows`);
    }
    return v;
  }

  string(what: string): string {
    const length = this.count(`length of ${what}`, Math.min(MAX_STRING_BYTES, this.fileSize - this.position));
    const at = this.#take(length, what);
    return this.#buffer.toString('utf8', at, at + length);
  }
}

function safeNumber(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function readValue(r: HeaderReader, type: number, key: string, depth = 0): GgufValue {
  if (type === ValueType.STRING) return r.string(`value of ${key}`);
  if (type === ValueType.ARRAY) {
    if (depth > 2) throw new FathomError('INVALID_GGUF', `${key}: arrays nested too deeply`);
    const elementType = r.u32(`array type of ${key}`);
    const minBytes = elementType === ValueType.STRING ? 8 : (SCALAR_BYTES[elementType] ?? 1);
    const n = r.count(`array length of ${key}`, Math.min(MAX_ARRAY_ELEMENTS, Math.floor((r.fileSize - r.position) / minBytes)));
    const out: GgufValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readValue(r, elementType, key, depth + 1);
    return out;
  }
  if (!(type in SCALAR_BYTES)) throw new FathomError('INVALID_GGUF', `metadata key '${key}' has unknown value type ${type}`);
  return r.scalar(type, `value of ${key}`);
}

function asNumber(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

async function readPrefix(file: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Reads metadata and tensor descriptors of a GGUF file; weights are not read. */
export async function readGguf(path: string): Promise<GgufInfo> {
  if (typeof path !== 'string' || path.length === 0) throw new FathomError('INVALID_ARGUMENT', 'path must be a non-empty string');
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw openError(error, path, 'read');
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new FathomError('FILE_NOT_FOUND', `not a regular file: ${path}`);
    // Parse what has been read; if the header is longer, read twice as much and parse again.
    for (let length = Math.min(FIRST_READ, stat.size); ; length = Math.min(length * 2, stat.size)) {
      const buffer = await readPrefix(file, length);
      try {
        return parseHeader(new HeaderReader(buffer, stat.size, path), path, stat.size);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes)) throw error;
        if (length >= stat.size || length >= MAX_HEADER_BYTES) {
          throw new FathomError('INVALID_GGUF', `${path}: the GGUF header is larger than ${MAX_HEADER_BYTES} bytes`);
        }
      }
    }
  } catch (error) {
    if (error instanceof FathomError) throw error;
    throw new FathomError('INVALID_GGUF', `${path} could not be read as GGUF: ${(error as Error).message}`, { cause: error });
  } finally {
    await file.close();
  }
}

function parseHeader(r: HeaderReader, path: string, fileSize: number): GgufInfo {
  if (fileSize < 8 || r.u32('magic') !== MAGIC) {
    throw new FathomError('INVALID_GGUF', `${path} is not a GGUF file (it does not start with the bytes "GGUF")`);
  }
  const version = r.u32('version');
  if (version < 2 || version > 3) throw new FathomError('INVALID_GGUF', `${path} is GGUF version ${version}; versions 2 and 3 are supported`);
  const nTensors = r.count('tensor count', fileSize);
  const nKv = r.count('metadata count', fileSize);

  const metadata: Record<string, GgufValue> = {};
  const metadataTypes: Record<string, string> = {};
  for (let i = 0; i < nKv; i++) {
    const key = r.string(`metadata key ${i}`);
    const type = r.u32(`type of ${key}`);
    const at = r.position;
    metadata[key] = readValue(r, type, key);
    // An array's element type is the u32 right after its type tag.
    metadataTypes[key] = type === ValueType.ARRAY ? `array:${TYPE_NAMES[r.peekU32(at)] ?? '?'}` : (TYPE_NAMES[type] ?? '?');
  }

  const infos: Array<GgufTensorInfo & { relative: number }> = [];
  let parameterCount = 0;
  for (let i = 0; i < nTensors; i++) {
    const name = r.string(`tensor ${i} name`);
    const nDims = r.u32(`dimensions of ${name}`);
    if (nDims > 4) throw new FathomError('INVALID_GGUF', `${path}: tensor '${name}' has ${nDims} dimensions (at most 4)`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(r.count(`dimension ${d} of ${name}`, Number.MAX_SAFE_INTEGER));
    const typeId = r.u32(`type of ${name}`);
    const type = TENSOR_TYPES.get(typeId);
    if (!type) throw new FathomError('INVALID_GGUF', `${path}: tensor '${name}' has unknown type id ${typeId}`);
    const relative = r.count(`offset of ${name}`, Number.MAX_SAFE_INTEGER);
    const elements = shape.reduce((a, b) => a * b, 1);
    if ((shape[0] ?? 1) % type.blockSize !== 0) {
      throw new FathomError(
        'INVALID_GGUF',
        `${path}: tensor '${name}' row length ${shape[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`,
      );
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
    if (offset + t.byteSize > fileSize) {
      throw new FathomError(
        'INVALID_GGUF',
        `${path} is truncated: tensor '${t.name}' needs bytes ${offset}..${offset + t.byteSize} but the file has ${fileSize}`,
      );
    }
    return { ...t, offset };
  });

  const architecture = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : '';
  const arch = (key: string) => asNumber(metadata[`${architecture}.${key}`]);
  const tokens = metadata['tokenizer.ggml.tokens'];
  const info: GgufInfo = {
    path,
    version,
    fileSize: fileSize,
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
    metadataTypes,
  };
  return info;
}
