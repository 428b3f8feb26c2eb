// The addon's functions as the rest of the library calls them: the only place
// outside the loader that touches the loaded addon, so that nothing else in src/
// depends on how (or whether) it loaded.
import { loadAddon } from './load-addon.js';
import type {
  BuildInfo,
  Device,
  NativeGrammar,
  NativeGrammarRules,
  NativeGrammarVocabulary,
  NativeModel,
  NativeSampler,
  NativeSamplerOptions,
} from './contract.js';

export { addonPath, packageRoot } from './load-addon.js';

export function loadNativeModel(path: string, options: { gpuLayers: number }): Promise<NativeModel> {
  return loadAddon().loadModel(path, options);
}

export function createNativeSampler(options: NativeSamplerOptions): NativeSampler {
  return new (loadAddon().NativeSampler)(options);
}

export function createNativeGrammarVocabulary(pieces: Uint8Array, offsets: Uint32Array, eog: Int32Array): NativeGrammarVocabulary {
  return new (loadAddon().NativeGrammarVocabulary)(pieces, offsets, eog);
}

export function createNativeGrammar(vocabulary: NativeGrammarVocabulary, rules: NativeGrammarRules): NativeGrammar {
  return new (loadAddon().NativeGrammar)(vocabulary, rules);
}

export function nativeDevices(): Device[] {
  return loadAddon().devices();
}

export function nativeBuildInfo(): BuildInfo {
  return loadAddon().buildInfo();
}

/** F32 rows -> `type` with ggml's quantizers. */
export function quantizeRows(type: string, data: Float32Array, rowLength: number): Promise<Uint8Array> {
  return loadAddon().quantize(type, data, rowLength);
}

/** `elements` values stored as `type` -> F32. */
export function dequantizeValues(type: string, data: Uint8Array, elements: number): Promise<Float32Array> {
  return loadAddon().dequantize(type, data, elements);
}
