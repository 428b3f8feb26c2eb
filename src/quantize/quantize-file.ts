// `fathom quantize in.gguf out.gguf --type q4_k_m`: rewrites a GGUF file with its
// weights converted by ggml's own quantizers under one of llama.cpp's presets. Each
// tensor is read, converted and written in turn, so memory holds one tensor at a time.
import { open } from 'node:fs/promises';

import { describe, invalidArgument } from '../errors.js';
import { readGguf } from '../gguf/read-gguf.js';
import { storedValue, writeGguf, type GgufWritableValue } from '../gguf/write-gguf.js';
import { dequantizeValues, quantizeRows } from '../native/addon.js';
import { planQuantization, PRESETS } from './quantization-mix.js';

export interface QuantizeReport {
  /** `wanted`: the type the preset asked for, when the rows did not fit its blocks and `to` stood in. */
  tensors: Array<{ name: string; from: string; to: string; wanted?: string }>;
  bytesIn: number;
  bytesOut: number;
}

export async function quantizeFile(input: string, output: string, preset: string): Promise<QuantizeReport> {
  if (typeof preset !== 'string') throw invalidArgument(`the quantization type must be a string such as 'q4_k_m', got ${describe(preset)}`);
  if (input === output) throw invalidArgument('the output file must differ from the input');
  const info = await readGguf(input);
  const plan = planQuantization(info, preset);
  const metadata: Record<string, GgufWritableValue> = {};
  for (const [key, value] of Object.entries(info.metadata)) metadata[key] = storedValue(value, info.metadataTypes[key]);
  metadata['general.file_type'] = { type: 'u32', value: PRESETS[preset.toLowerCase()].fileType };
  metadata['general.quantized_by'] = 'fathom-llm';

  const file = await open(input, 'r');
  let bytesOut = 0;
  try {
    await writeGguf(output, {
      metadata,
      alignment: typeof info.metadata['general.alignment'] === 'number' ? info.metadata['general.alignment'] : 32,
      tensors: plan.map(({ tensor, type }) => ({
        name: tensor.name,
        type,
        shape: tensor.shape,
        data: async () => {
          const bytes = new Uint8Array(tensor.byteSize);
          await file.read(bytes, 0, bytes.length, tensor.offset);
          let result: Uint8Array = bytes;
          if (type !== tensor.type) {
            const elements = tensor.shape.reduce((a, b) => a * b, 1);
            const floats =
              tensor.type === 'F32' ? new Float32Array(bytes.buffer, bytes.byteOffset, elements) : await dequantizeValues(tensor.type, bytes, elements);
            result = type === 'F32' ? new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength) : await quantizeRows(type, floats, tensor.shape[0]);
          }
          bytesOut += result.length;
          return result;
        },
      })),
    });
  } finally {
    await file.close();
  }
  return {
    tensors: plan.map(({ tensor, type, wanted }) => ({ name: tensor.name, from: tensor.type, to: type, ...(wanted ? { wanted } : {}) })),
    bytesIn: info.tensors.reduce((n, t) => n + t.byteSize, 0),
    bytesOut,
  };
}
