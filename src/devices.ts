// The compute devices ggml sees (the CPU, and GPUs when the addon was built with
// a GPU backend), how the addon was built, and how many of a model's blocks go to a GPU (`gpuLayers`).
import { describe, invalidArgument } from './errors.js';
import type { GgufInfo } from './gguf/gguf-info.js';
import { addonPath, nativeBuildInfo, nativeDevices } from './native/addon.js';
import type { BuildInfo, Device } from './native/contract.js';

export type { Device } from './native/contract.js';

/**
 * How many transformer blocks to keep on a GPU, counted from the last (llama.cpp's `-ngl`): a number
 * (more than the model has also moves the output head), 'max' for everything, or 'auto' (the
 * default) for as many as fit in 90% of the GPU's free memory. Without a GPU everything runs on the CPU.
 */
export type GpuLayers = number | 'max' | 'auto';

/** How the addon was built and what it loaded (what `fathom inspect --system` prints), and the file it came from. */
export function getBuildInfo(): BuildInfo & { addon: string } {
  return { ...nativeBuildInfo(), addon: addonPath() };
}

/** The devices ggml sees, CPU first. */
export function getDevices(): Device[] {
  return nativeDevices();
}

export function checkGpuLayers(value: unknown): void {
  if (value === undefined || value === 'max' || value === 'auto') return;
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
    throw invalidArgument(`gpuLayers must be a non-negative integer, 'max' or 'auto', got ${describe(value)}`);
  }
}

/**
 * The block count to ask the engine for (0 when there is no GPU; at most every block and the head).
 * `cells` is the default context's KV cache size (positions × sequences), which moves with the blocks.
 */
export function resolveGpuLayers(value: GpuLayers | undefined, info: GgufInfo, cells: number): number {
  const blocks = info.blockCount ?? 0;
  const devices = getDevices();
  const gpu = devices.find((d) => d.type === 'gpu') ?? devices.find((d) => d.type === 'igpu');
  if (!gpu) return 0;
  if (typeof value === 'number') return Math.min(value, blocks + 1);
  if (value === 'max') return blocks + 1;
  // 'auto': each block's weights and its F16 keys and values for the default context, plus the head,
  // against 90% of the free memory (the rest for compute buffers); fewer blocks when they do not fit.
  const heads = info.headCount || 1;
  const kvWidth = ((info.embeddingLength ?? 0) / heads) * (info.headCountKv || heads);
  const cacheBytes = 2 * 2 * kvWidth * cells;
  const blockBytes = new Array<number>(blocks).fill(cacheBytes);
  let headBytes = 0;
  for (const t of info.tensors) {
    const block = /^blk\.(\d+)\./.exec(t.name);
    if (block && Number(block[1]) < blocks) blockBytes[Number(block[1])] += t.byteSize;
    else if (t.name.startsWith('output')) headBytes += t.byteSize;
  }
  let budget = gpu.memoryFree * 0.9 - headBytes;
  if (budget >= blockBytes.reduce((a, b) => a + b, 0)) return blocks + 1;
  budget += headBytes;
  let n = 0;
  for (let i = blocks - 1; i >= 0 && budget >= blockBytes[i]; i--, n++) budget -= blockBytes[i];
  return n;
}
