// Generation options: defaults and validation (policy lives in TS; the native
// sampler re-checks ranges so nothing invalid reaches it either way). The
// samplers run in llama.cpp's order: logit bias -> repetition penalties -> DRY
// -> top-k -> typical-p -> top-p -> min-p -> XTC -> temperature -> draw.
import { Grammar } from './grammar/grammar.js';
import { resolveControl, type ControlVector } from './control-vector.js';
import { drySequenceBreakers } from './dry-breakers.js';
import { describe, invalidArgument } from './errors.js';
import type { ModelShape } from './evaluator.js';
import type { NativeControl, NativeSamplerOptions } from './native/contract.js';
import { checkOptions, type KeySet } from './options.js';
import { MAX_TOP_K } from './prompt.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export interface DryOptions {
  /** Penalty strength; 0 = off. llama.cpp suggests 0.8. */
  multiplier: number;
  /** Growth of the penalty per token beyond allowedLength. Default: 1.75. */
  base?: number;
  /** Repeats up to this long are not penalized. Default: 2. */
  allowedLength?: number;
  /** Tokens looked back over; -1 = the whole context. Default: 64. */
  lastN?: number;
  /** A repeat never extends across these. Default: ["\n", ":", "\"", "*"]. */
  sequenceBreakers?: readonly string[];
}

export interface XtcOptions {
  /** Chance per token of excluding the top choices; 0 = off. */
  probability: number;
  /** Tokens at least this likely count as top choices (all but the least likely of them are dropped). Default: 0.1. */
  threshold?: number;
}

export type LogitBias = Readonly<Record<number, number>> | ReadonlyMap<number, number> | ReadonlyArray<readonly [number, number]>;

export interface GenerateOptions {
  /** Most tokens to generate. Default: until EOS (CONTEXT_FULL if the context fills first). */
  maxTokens?: number;
  /** 0 = greedy (default). */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off (default). */
  topK?: number;
  /** Nucleus sampling; 1 = off (default). */
  topP?: number;
  /** Drop tokens below minP × the top probability; 0 = off (default). */
  minP?: number;
  /** Locally typical sampling; 1 = off (default). */
  typicalP?: number;
  /** Divides positive (multiplies negative) logits of tokens seen in the last penaltyLastN; 1 = off (default). */
  repeatPenalty?: number;
  /** Subtracted from a logit per occurrence in the last penaltyLastN tokens; 0 = off (default). */
  frequencyPenalty?: number;
  /** Subtracted once from a logit of any token in the last penaltyLastN tokens; 0 = off (default). */
  presencePenalty?: number;
  /** Tokens (prompt included) the penalties look at; -1 = the whole context. Default: 64. */
  penaltyLastN?: number;
  /** DRY ("don't repeat yourself") penalty on tokens that would extend a repeated sequence. */
  dry?: DryOptions;
  /** XTC ("exclude top choices"). */
  xtc?: XtcOptions;
  /** Token id -> value added to its logit; -Infinity bans the token. */
  logitBias?: LogitBias;
  /** Steering: a control vector added to the layers' outputs for this generation. */
  control?: ControlVector;
  /** Same seed + same prompt + same options = same output (an integer in [0, 2^32)). Default: random. */
  seed?: number;
  /** Stop before the first occurrence of any of these strings (not included in the text). */
  stop?: readonly string[];
  /** Keep generating after end-of-generation tokens (with a grammar: until the grammar allows nothing else). */
  ignoreEos?: boolean;
  /** Constrain the output to a grammar (GBNF, JSON Schema, any JSON): see Grammar. */
  grammar?: Grammar;
  /** Each chunk carries the chosen tokens' log-probabilities and this many most likely alternatives. Default: 0 (off). */
  logprobs?: number;
  /**
   * When the sequence is full: false (default) rejects with CONTEXT_FULL; true drops the oldest half of the
   * tokens after the first and goes on.
   */
  contextShift?: boolean;
  signal?: AbortSignal;
}

export interface ResolvedGenerateOptions {
  maxTokens: number;
  sampler: NativeSamplerOptions;
  stop: string[];
  ignoreEos: boolean;
  grammar: Grammar | null;
  logprobs: number;
  contextShift: boolean;
  control: NativeControl | null;
  signal?: AbortSignal;
}

/** What resolving options needs to know about the model and context. */
export interface GenerationTarget {
  tokenizer: Tokenizer;
  contextSize: number;
  modelShape: ModelShape;
}

const DEFAULT_DRY_BREAKERS = ['\n', ':', '"', '*'];

const GENERATE_KEYS = {
  maxTokens: true,
  temperature: true,
  topK: true,
  topP: true,
  minP: true,
  typicalP: true,
  repeatPenalty: true,
  frequencyPenalty: true,
  presencePenalty: true,
  penaltyLastN: true,
  dry: true,
  xtc: true,
  logitBias: true,
  control: true,
  seed: true,
  stop: true,
  ignoreEos: true,
  grammar: true,
  logprobs: true,
  contextShift: true,
  signal: true,
} as const satisfies KeySet<GenerateOptions>;
const DRY_KEYS = { multiplier: true, base: true, allowedLength: true, lastN: true, sequenceBreakers: true } as const satisfies KeySet<DryOptions>;
const XTC_KEYS = { probability: true, threshold: true } as const satisfies KeySet<XtcOptions>;

function check(condition: boolean, message: string): void {
  if (!condition) throw invalidArgument(message);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

// A look-back window: a count, or -1 for the whole context.
function window(name: string, value: number, contextSize: number): number {
  check(value === -1 || isNonNegativeInteger(value), `${name} must be a non-negative integer or -1, got ${describe(value)}`);
  return value === -1 ? contextSize : Math.min(value, contextSize);
}

function logitBiasEntries(bias: LogitBias, tokenizer: Tokenizer): { ids: Int32Array; values: Float32Array } {
  check(typeof bias === 'object' && bias !== null, 'logitBias must be an object, a Map or an array of [token, bias] pairs');
  const entries: (readonly [unknown, unknown])[] = bias instanceof Map ? [...bias] : Array.isArray(bias) ? [...bias] : Object.entries(bias);
  const ids = new Int32Array(entries.length);
  const values = new Float32Array(entries.length);
  entries.forEach((entry, i) => {
    check(Array.isArray(entry) && entry.length === 2, 'logitBias array entries must be [token, bias] pairs');
    const [key, value] = entry;
    const id = typeof key === 'string' ? Number(key) : key;
    check(
      isNonNegativeInteger(id) && id < tokenizer.size,
      `logitBias token ${typeof key === 'string' ? JSON.stringify(key) : String(key)} is not a token id of the vocabulary (0..${tokenizer.size - 1})`,
    );
    check(
      typeof value === 'number' && (Number.isFinite(value) || value === -Infinity),
      `logitBias for token ${String(key)} must be a finite number or -Infinity, got ${describe(value)}`,
    );
    ids[i] = id as number;
    values[i] = value as number;
  });
  return { ids, values };
}

/** INVALID_ARGUMENT unless `options` is undefined or a generate-options object with known keys only. */
export function checkGenerateOptions(options: unknown): asserts options is GenerateOptions | undefined {
  checkOptions(options, GENERATE_KEYS, 'generate options');
}

export function resolveGenerateOptions(options: GenerateOptions, target: GenerationTarget): ResolvedGenerateOptions {
  check(typeof options === 'object' && options !== null, 'options must be an object');
  checkOptions(options, GENERATE_KEYS, 'generate options');
  const {
    maxTokens = Infinity,
    temperature = 0,
    topK = 0,
    topP = 1,
    minP = 0,
    typicalP = 1,
    repeatPenalty = 1,
    frequencyPenalty = 0,
    presencePenalty = 0,
    penaltyLastN = 64,
    dry,
    xtc,
    logitBias,
    stop = [],
    ignoreEos = false,
    logprobs = 0,
    contextShift = false,
    signal,
  } = options;
  check(maxTokens === Infinity || isNonNegativeInteger(maxTokens), `maxTokens must be a non-negative integer, got ${describe(maxTokens)}`);
  check(isFiniteNumber(temperature) && temperature >= 0, `temperature must be a finite number >= 0, got ${describe(temperature)}`);
  check(isNonNegativeInteger(topK) && topK <= 2 ** 31 - 1, `topK must be a non-negative integer, got ${describe(topK)}`);
  check(typeof topP === 'number' && topP > 0 && topP <= 1, `topP must be in (0, 1], got ${describe(topP)}`);
  check(typeof minP === 'number' && minP >= 0 && minP <= 1, `minP must be in [0, 1], got ${describe(minP)}`);
  check(typeof typicalP === 'number' && typicalP > 0 && typicalP <= 1, `typicalP must be in (0, 1], got ${describe(typicalP)}`);
  check(isFiniteNumber(repeatPenalty) && repeatPenalty > 0, `repeatPenalty must be a finite number > 0, got ${describe(repeatPenalty)}`);
  check(isFiniteNumber(frequencyPenalty), `frequencyPenalty must be a finite number, got ${describe(frequencyPenalty)}`);
  check(isFiniteNumber(presencePenalty), `presencePenalty must be a finite number, got ${describe(presencePenalty)}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  check(isNonNegativeInteger(seed) && seed < 2 ** 32, `seed must be an integer in [0, 2^32), got ${describe(options.seed)}`);
  check(Array.isArray(stop) && stop.every((s) => typeof s === 'string' && s.length > 0), 'stop must be an array of non-empty strings');
  check(typeof ignoreEos === 'boolean', 'ignoreEos must be a boolean');
  check(isNonNegativeInteger(logprobs) && logprobs <= MAX_TOP_K, `logprobs must be an integer in [0, ${MAX_TOP_K}], got ${describe(logprobs)}`);
  check(typeof contextShift === 'boolean', 'contextShift must be a boolean');
  check(signal === undefined || signal instanceof AbortSignal, 'signal must be an AbortSignal');
  const grammar = options.grammar ?? null;
  check(grammar === null || grammar instanceof Grammar, 'grammar must be a Grammar (Grammar.gbnf, Grammar.jsonSchema or Grammar.json)');

  const sampler: NativeSamplerOptions = {
    temperature,
    topK,
    topP,
    minP,
    typicalP,
    repeatPenalty,
    frequencyPenalty,
    presencePenalty,
    penaltyLastN: window('penaltyLastN', penaltyLastN, target.contextSize),
    dryMultiplier: 0,
    dryBase: 1.75,
    dryAllowedLength: 2,
    dryPenaltyLastN: 0,
    drySequenceBreakers: [],
    xtcProbability: 0,
    xtcThreshold: 0.1,
    logitBiasIds: new Int32Array(0),
    logitBiasValues: new Float32Array(0),
    seed,
  };
  if (dry !== undefined) {
    check(typeof dry === 'object' && dry !== null, 'dry must be an object');
    checkOptions(dry, DRY_KEYS, 'dry');
    const { multiplier, base = 1.75, allowedLength = 2, lastN = 64, sequenceBreakers = DEFAULT_DRY_BREAKERS } = dry;
    check(isFiniteNumber(multiplier) && multiplier >= 0, `dry.multiplier must be a finite number >= 0, got ${describe(multiplier)}`);
    check(isFiniteNumber(base) && base >= 1, `dry.base must be a finite number >= 1, got ${describe(base)}`);
    check(isNonNegativeInteger(allowedLength) && allowedLength >= 1, `dry.allowedLength must be a positive integer, got ${describe(allowedLength)}`);
    check(Array.isArray(sequenceBreakers) && sequenceBreakers.every((s) => typeof s === 'string'), 'dry.sequenceBreakers must be an array of strings');
    Object.assign(sampler, {
      dryMultiplier: multiplier,
      dryBase: base,
      dryAllowedLength: allowedLength,
      dryPenaltyLastN: window('dry.lastN', lastN, target.contextSize),
      drySequenceBreakers: multiplier > 0 ? drySequenceBreakers(target.tokenizer, sequenceBreakers) : [],
    });
  }
  if (xtc !== undefined) {
    check(typeof xtc === 'object' && xtc !== null, 'xtc must be an object');
    checkOptions(xtc, XTC_KEYS, 'xtc');
    const { probability, threshold = 0.1 } = xtc;
    check(typeof probability === 'number' && probability >= 0 && probability <= 1, `xtc.probability must be in [0, 1], got ${describe(probability)}`);
    check(typeof threshold === 'number' && threshold >= 0 && threshold <= 1, `xtc.threshold must be in [0, 1], got ${describe(threshold)}`);
    Object.assign(sampler, { xtcProbability: probability, xtcThreshold: threshold });
  }
  if (logitBias !== undefined) {
    const { ids, values } = logitBiasEntries(logitBias, target.tokenizer);
    Object.assign(sampler, { logitBiasIds: ids, logitBiasValues: values });
  }
  if (grammar) {
    sampler.grammar = grammar.compiled(target.tokenizer);
    const words = grammar.triggers.filter((t): t is string => typeof t === 'string');
    const tokens = grammar.triggers.filter((t): t is number => typeof t === 'number');
    for (const t of tokens) check(t < target.tokenizer.size, `grammar trigger token ${t} is not in the vocabulary`);
    if (words.length) sampler.grammarTriggerWords = words;
    if (tokens.length) sampler.grammarTriggerTokens = Int32Array.from(tokens);
    if (ignoreEos) {
      // End-of-generation only where the grammar allows nothing else (the sampler falls back to it then).
      const eog = [...Array(target.tokenizer.size).keys()].filter((t) => target.tokenizer.isEog(t));
      sampler.logitBiasIds = Int32Array.from([...sampler.logitBiasIds, ...eog]);
      sampler.logitBiasValues = Float32Array.from([...sampler.logitBiasValues, ...eog.map(() => -Infinity)]);
    }
  }
  const control = options.control === undefined ? null : resolveControl(options.control, target.modelShape);
  return { maxTokens, sampler, stop: [...stop], ignoreEos, grammar, logprobs, contextShift, control, signal };
}
