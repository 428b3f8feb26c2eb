// Deriving a control vector from examples: per layer, the mean residual stream over the
// positive prompts minus that over the negative ones, read with an inspection pass.
import { ControlVector } from './control-vector.js';
import { describe, invalidArgument } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { checkIndex, inspect } from './inspection.js';
import { checkOptions, type KeySet } from './options.js';
import type { Prompt } from './prompt.js';

export interface DeriveOptions {
  /** Layers to derive directions for. Default: 1 .. n_layer - 1 (llama.cpp's control vectors never have layer 0). */
  layers?: readonly number[];
  signal?: AbortSignal;
}

const DERIVE_KEYS = { layers: true, signal: true } as const satisfies KeySet<DeriveOptions>;

/**
 * A control vector from examples: per layer, the mean hidden state over the tokens of the positive
 * prompts minus that of the negative ones (each prompt weighs the same).
 */
export async function deriveControlVector(
  context: Evaluator,
  positive: readonly Prompt[],
  negative: readonly Prompt[],
  options: DeriveOptions = {},
): Promise<ControlVector> {
  checkOptions(options, DERIVE_KEYS, 'deriveControlVector options');
  if (!Array.isArray(positive) || !Array.isArray(negative) || positive.length === 0 || negative.length === 0) {
    throw invalidArgument('deriveControlVector(positive, negative) takes two non-empty arrays of prompts');
  }
  const { layers: layerCount, embedding } = context.modelShape;
  const layers = options.layers ?? Array.from({ length: layerCount - 1 }, (_, i) => i + 1);
  if (!Array.isArray(layers)) throw invalidArgument(`layers must be an array of layer indices, got ${describe(layers)}`);
  for (const layer of layers) checkIndex('layers: each layer', layer, layerCount);
  const meanOf = async (prompts: readonly Prompt[]) => {
    const sums = new Map(layers.map((l) => [l, new Float64Array(embedding)]));
    for (const prompt of prompts) {
      const inspection = await inspect(context, prompt, { hidden: layers, signal: options.signal });
      const n = inspection.tokens.length;
      for (const layer of layers) {
        const h = inspection.hidden.get(layer)!;
        const sum = sums.get(layer)!;
        for (let t = 0; t < n; t++) for (let i = 0; i < embedding; i++) sum[i]! += h[t * embedding + i]! / n / prompts.length;
      }
    }
    return sums;
  };
  const [plus, minus] = [await meanOf(positive), await meanOf(negative)];
  return new ControlVector(new Map(layers.map((l) => [l, Float32Array.from(plus.get(l)!, (v, i) => v - minus.get(l)![i]!)])));
}
