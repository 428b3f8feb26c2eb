// Steering with control vectors: a direction per layer added to that layer's
// output (the residual stream), as llama.cpp's control vectors do. Load one in
// llama.cpp's GGUF format (tensors "direction.<layer>", F32 [n_embd]), scale it
// and pick the layers it acts on (control-vector-derivation.ts makes one from examples).
import { open } from 'node:fs/promises';

import { describe, FathomError, invalidArgument } from './errors.js';
import type { ModelShape } from './evaluator.js';
import { readGguf } from './gguf/read-gguf.js';
import { checkOptions, type KeySet } from './options.js';
import { writeGguf } from './gguf/write-gguf.js';
import type { NativeControl } from './native/contract.js';

export interface ControlVectorOptions {
  /** Multiplies every direction. Default: 1. */
  strength?: number;
  /** First and last layer it is added in (inclusive). Default: every layer it has a direction for. */
  layers?: readonly [number, number];
}

const CONTROL_KEYS = { strength: true, layers: true } as const satisfies KeySet<ControlVectorOptions>;

export class ControlVector {
  /** Layer -> direction [n_embd] (unscaled). */
  readonly directions: ReadonlyMap<number, Float32Array>;
  readonly embeddingLength: number;
  readonly strength: number;
  readonly layers: readonly [number, number];
  /** The range was asked for (not the directions' own): it must then lie within the model. */
  readonly #layersGiven: boolean;
  #resolved: { layerCount: number; native: NativeControl } | undefined;

  constructor(directions: ReadonlyMap<number, Float32Array>, options: ControlVectorOptions = {}) {
    const lengths = new Set([...directions.values()].map((d) => d.length));
    if (directions.size === 0 || lengths.size !== 1) throw invalidArgument('a control vector needs directions of one length for at least one layer');
    for (const layer of directions.keys()) {
      if (!(Number.isSafeInteger(layer) && layer >= 0)) throw invalidArgument(`control vector layer ${layer} is not a layer index`);
    }
    checkOptions(options, CONTROL_KEYS, 'control vector options');
    const { strength = 1, layers } = options;
    if (!Number.isFinite(strength)) throw invalidArgument(`strength must be a finite number, got ${describe(strength)}`);
    const known = [...directions.keys()];
    const range = layers ?? [Math.min(...known), Math.max(...known)];
    if (!(Array.isArray(range) && range.length === 2 && range.every((l) => Number.isSafeInteger(l) && l >= 0) && range[0] <= range[1])) {
      throw invalidArgument('layers must be [first, last] layer indices with first <= last');
    }
    this.directions = directions;
    this.embeddingLength = [...lengths][0]!;
    this.strength = strength;
    this.layers = [range[0], range[1]];
    this.#layersGiven = layers !== undefined;
  }

  /** Reads llama.cpp's control-vector GGUF (as written by its cvector-generator). */
  static async load(path: string, options: ControlVectorOptions = {}): Promise<ControlVector> {
    const info = await readGguf(path);
    const directions = new Map<number, Float32Array>();
    const file = await open(path, 'r');
    try {
      for (const tensor of info.tensors) {
        const match = /^direction\.(\d+)$/.exec(tensor.name);
        if (!match || tensor.type !== 'F32' || tensor.shape.length !== 1) {
          throw new FathomError('INVALID_GGUF', `${path}: "${tensor.name}" is not a control vector direction (F32 "direction.<layer>")`);
        }
        const bytes = new Uint8Array(tensor.byteSize);
        await file.read(bytes, 0, bytes.length, tensor.offset);
        const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
        // Several directions for one layer add up, as llama.cpp loads them.
        const layer = Number(match[1]);
        const sum = directions.get(layer);
        if (sum && sum.length === values.length) values.forEach((v, i) => (sum[i]! += v));
        else directions.set(layer, Float32Array.from(values));
      }
    } finally {
      await file.close();
    }
    return new ControlVector(directions, options);
  }

  /** The same directions with another strength or layer range. */
  with(options: ControlVectorOptions): ControlVector {
    checkOptions(options, CONTROL_KEYS, 'control vector options');
    return new ControlVector(this.directions, { strength: this.strength, ...(this.#layersGiven ? { layers: this.layers } : {}), ...options });
  }

  /** Writes llama.cpp's control-vector format. */
  async save(path: string): Promise<void> {
    await writeGguf(path, {
      metadata: { 'general.architecture': 'controlvector', 'controlvector.layer_count': this.directions.size },
      tensors: [...this.directions].map(([layer, d]) => ({
        name: `direction.${layer}`,
        type: 'F32',
        shape: [d.length],
        data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
      })),
    });
  }

  /** @internal The native form for a model with `layerCount` layers (computed once). */
  resolve(layerCount: number, embeddingLength: number): NativeControl {
    if (this.embeddingLength !== embeddingLength) {
      throw invalidArgument(`the control vector has ${this.embeddingLength} values per layer but the model's embedding length is ${embeddingLength}`);
    }
    if (this.layers[0] > layerCount - 1 || (this.#layersGiven && this.layers[1] > layerCount - 1)) {
      throw invalidArgument(`the control vector's layers [${this.layers.join(', ')}] are not all in the model, whose layers are 0..${layerCount - 1}`);
    }
    if (this.#resolved?.layerCount === layerCount) return this.#resolved.native;
    const data = new Float32Array(layerCount * embeddingLength);
    for (const [layer, direction] of this.directions) {
      if (layer >= layerCount) continue;
      for (let i = 0; i < embeddingLength; i++) data[layer * embeddingLength + i] = direction[i]! * this.strength;
    }
    const native = { data, firstLayer: this.layers[0], lastLayer: Math.min(this.layers[1], layerCount - 1) };
    this.#resolved = { layerCount, native };
    return native;
  }
}

/** `control` (a ControlVector, checked) in the native form for a model of `shape`. */
export function resolveControl(control: unknown, shape: ModelShape): NativeControl {
  if (!(control instanceof ControlVector)) throw invalidArgument('control must be a ControlVector');
  if (shape.encoder) throw invalidArgument('control vectors steer decoders; this is an embedding model');
  return control.resolve(shape.layers, shape.embedding);
}
