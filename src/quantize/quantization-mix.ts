// Which ggml type each tensor gets for a quantization preset ("q4_k_m", "q8_0", ...),
// following llama.cpp's quantize tool for dense models: the output head gets more
// bits, and the _M/_L presets give attn_v / ffn_down more bits in the layers that
// matter most (the first and last eighth, and every third one in between).
import { invalidArgument } from '../errors.js';
import type { GgufInfo, GgufTensorInfo } from '../gguf/gguf-info.js';
import { TENSOR_TYPES } from '../gguf/tensor-types.js';

interface Preset {
  /** The type most weight matrices get. */
  base: string;
  /** llama.cpp's LLAMA_FTYPE number, written to general.file_type. */
  fileType: number;
}

export const PRESETS: Record<string, Preset> = {
  f32: { base: 'F32', fileType: 0 },
  f16: { base: 'F16', fileType: 1 },
  bf16: { base: 'BF16', fileType: 32 },
  q4_0: { base: 'Q4_0', fileType: 2 },
  q4_1: { base: 'Q4_1', fileType: 3 },
  q5_0: { base: 'Q5_0', fileType: 8 },
  q5_1: { base: 'Q5_1', fileType: 9 },
  q8_0: { base: 'Q8_0', fileType: 7 },
  q2_k: { base: 'Q2_K', fileType: 10 },
  q3_k_s: { base: 'Q3_K', fileType: 11 },
  q3_k_m: { base: 'Q3_K', fileType: 12 },
  q3_k_l: { base: 'Q3_K', fileType: 13 },
  q4_k_s: { base: 'Q4_K', fileType: 14 },
  q4_k_m: { base: 'Q4_K', fileType: 15 },
  q5_k_s: { base: 'Q5_K', fileType: 16 },
  q5_k_m: { base: 'Q5_K', fileType: 17 },
  q6_k: { base: 'Q6_K', fileType: 18 },
  iq4_nl: { base: 'IQ4_NL', fileType: 25 },
  iq4_xs: { base: 'IQ4_XS', fileType: 30 },
};

const BLOCK = new Map([...TENSOR_TYPES.values()].map((t) => [t.name, t.blockSize]));
const QUANTIZED = (type: string) => !['F32', 'F16', 'BF16'].includes(type);

/** llama.cpp's "use more bits" layers: the first and last eighth, and every third layer in between. */
function moreBits(layer: number, layers: number): boolean {
  return layer < Math.floor(layers / 8) || layer >= Math.floor((7 * layers) / 8) || (layer - Math.floor(layers / 8)) % 3 === 2;
}

/** A type whose block fits a row of `columns`, when `type`'s does not (llama.cpp's fallbacks). */
function fitting(type: string, columns: number): string {
  if (columns % BLOCK.get(type)! === 0) return type;
  const fallback: Record<string, string> = { Q2_K: 'Q4_0', Q3_K: 'Q4_0', Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0', IQ4_XS: 'IQ4_NL' };
  const next = fallback[type];
  return next && columns % BLOCK.get(next)! === 0 ? next : 'F16';
}

export interface TensorPlan {
  tensor: GgufTensorInfo;
  type: string;
  /** The type the preset wanted, when the tensor's rows do not fit its blocks and `type` stands in. */
  wanted?: string;
}

/** The type of every tensor of `info` under `presetName`. */
export function planQuantization(info: GgufInfo, presetName: string): TensorPlan[] {
  const preset = PRESETS[presetName.toLowerCase()];
  if (!preset) throw invalidArgument(`unknown quantization type '${presetName}' (one of: ${Object.keys(PRESETS).join(', ')})`);
  const name = presetName.toLowerCase();
  const arch = info.architecture;
  const layers = info.blockCount ?? 0;
  const gqa = (info.headCount ?? 1) / (info.headCountKv ?? info.headCount ?? 1);
  const tied = !info.tensors.some((t) => t.name === 'output.weight');
  let attnV = 0;
  const ffnDownLayer = (tensorName: string) => Number(/^blk\.(\d+)\./.exec(tensorName)?.[1] ?? 0);

  return info.tensors.map((tensor) => {
    // As llama.cpp: norms, MoE routers, and BERT's position and token-type tables stay as they are.
    const quantizable =
      tensor.shape.length >= 2 &&
      tensor.name.endsWith('weight') &&
      !tensor.name.includes('_norm.weight') &&
      !tensor.name.includes('ffn_gate_inp.weight') &&
      !/^(position_embd|token_types)\./.test(tensor.name);
    if (!quantizable) return { tensor, type: tensor.type };
    let type = preset.base;
    if (QUANTIZED(type)) {
      const isOutput = tensor.name === 'output.weight' || (tied && tensor.name === 'token_embd.weight');
      if (isOutput) {
        if (tensor.shape[0] % BLOCK.get(type)! !== 0 || arch === 'falcon') type = 'Q8_0';
        else if (type !== 'Q8_0') type = 'Q6_K';
      } else if (/attn_v\.weight$/.test(tensor.name)) {
        const i = attnV++;
        if (name === 'q2_k') type = gqa >= 4 ? 'Q4_K' : 'Q3_K';
        else if (name === 'q3_k_m') type = i < 2 ? 'Q5_K' : 'Q4_K';
        else if (name === 'q3_k_l') type = 'Q5_K';
        else if ((name === 'iq4_nl' || name === 'iq4_xs') && gqa >= 4) type = 'Q5_K';
        else if ((name === 'q4_k_m' || name === 'q5_k_m') && moreBits(i, layers)) type = 'Q6_K';
        else if (name === 'q4_k_s' && i < 4) type = 'Q5_K';
        if (layers === 80 && (type === 'Q3_K' || type === 'Q4_K')) type = 'Q5_K';
      } else if (/ffn_down\.weight$/.test(tensor.name)) {
        const i = ffnDownLayer(tensor.name);
        if (name === 'q2_k') type = 'Q3_K';
        else if (name === 'q3_k_m') type = i < Math.floor(layers / 16) ? 'Q5_K' : arch !== 'falcon' || moreBits(i, layers) ? 'Q4_K' : 'Q3_K';
        else if (name === 'q3_k_l') type = arch === 'falcon' ? 'Q4_K' : 'Q5_K';
        else if (name === 'q4_k_m') {
          if (arch === 'falcon') type = i < Math.floor(layers / 16) ? 'Q6_K' : moreBits(i, layers) ? 'Q5_K' : 'Q4_K';
          else if (moreBits(i, layers)) type = 'Q6_K';
        } else if ((name === 'iq4_nl' || name === 'iq4_xs') && i < Math.floor(layers / 8)) type = 'Q5_K';
        else if (name === 'q5_k_m' && moreBits(i, layers)) type = 'Q6_K';
      } else if (/attn_output\.weight$/.test(tensor.name)) {
        if (arch !== 'falcon') {
          if (name === 'q2_k') type = 'Q3_K';
          else if (name === 'q3_k_m') type = 'Q4_K';
          else if (name === 'q3_k_l') type = 'Q5_K';
        } else if (name === 'q3_k_l') type = 'Q4_K';
      } else if (/attn_qkv\.weight$/.test(tensor.name)) {
        if (name === 'q3_k_m' || name === 'q3_k_l') type = 'Q4_K';
        else if (name === 'q4_k_m') type = 'Q5_K';
        else if (name === 'q5_k_m') type = 'Q6_K';
      }
      const fit = fitting(type, tensor.shape[0]);
      if (fit !== type) return { tensor, type: fit, wanted: type };
    }
    return { tensor, type };
  });
}
