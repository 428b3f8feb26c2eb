// A tokenizer vocabulary read from GGUF metadata: token texts, scores and
// attributes, special token ids, and the flags that steer tokenization — with
// the defaults and the name-based fix-ups llama.cpp applies, so that every
// model tokenizes (and stops generating) the way it does in llama.cpp.
import { FathomError } from '../errors.js';
import type { GgufInfo, GgufValue } from '../gguf/gguf-info.js';
import { preTokenizerFor, type PreTokenizer } from './pre-tokenizers.js';

export enum TokenAttr {
  UNDEFINED = 0,
  UNKNOWN = 1 << 0,
  UNUSED = 1 << 1,
  NORMAL = 1 << 2,
  CONTROL = 1 << 3,
  USER_DEFINED = 1 << 4,
  BYTE = 1 << 5,
  LSTRIP = 1 << 7,
  RSTRIP = 1 << 8,
}

/** tokenizer.ggml.token_type values (as the GGUF converters write them) -> attributes. */
const TYPE_TO_ATTR: Record<number, TokenAttr> = {
  1: TokenAttr.NORMAL,
  2: TokenAttr.UNKNOWN,
  3: TokenAttr.CONTROL,
  4: TokenAttr.USER_DEFINED,
  5: TokenAttr.UNUSED,
  6: TokenAttr.BYTE,
};

export type TokenizerKind = 'spm' | 'bpe' | 'wpm' | 'ugm';

export interface SpecialIds {
  bos: number | null;
  eos: number | null;
  eot: number | null;
  eom: number | null;
  unk: number | null;
  sep: number | null;
  pad: number | null;
  mask: number | null;
  fimPre: number | null;
  fimSuf: number | null;
  fimMid: number | null;
  fimPad: number | null;
  fimRep: number | null;
  fimSep: number | null;
}

export interface Vocabulary {
  /** tokenizer.ggml.model as written in the file. */
  model: string;
  kind: TokenizerKind;
  texts: string[];
  scores: Float32Array;
  attrs: Uint16Array;
  ids: Map<string, number>;
  special: SpecialIds;
  /** Tokens that end generation. */
  eog: Set<number>;
  /** Control, user-defined and unknown tokens, longest text first: matched in text before tokenizing. */
  specialByLength: number[];
  addBos: boolean;
  addEos: boolean;
  addSep: boolean;
  addSpacePrefix: boolean;
  removeExtraWhitespaces: boolean;
  /** Spaces become U+2581 before tokenizing (SentencePiece-style vocabularies). */
  escapeWhitespaces: boolean;
  /** Detokenization removes spaces before punctuation, as Hugging Face's clean_up_tokenization_spaces. */
  cleanSpaces: boolean;
  /** BPE: merge ranks keyed by left + "\0" + right; empty for other kinds. */
  merges: Map<string, number>;
  /** BPE: a pre-token that is itself a token is taken whole. */
  ignoreMerges: boolean;
  preTokenizer: PreTokenizer | null;
  lowercase: boolean;
  stripAccents: boolean;
  /** UGM: the normalizer's precompiled character map. */
  precompiledCharsmap: Uint8Array | null;
  maxTokenLength: number;
}

const KIND_BY_MODEL: Record<string, TokenizerKind> = { llama: 'spm', gpt2: 'bpe', gemma4: 'bpe', bert: 'wpm', t5: 'ugm' };

// Default special ids per tokenizer kind, before metadata overrides (llama.cpp's defaults).
const DEFAULT_IDS: Record<TokenizerKind, Partial<SpecialIds>> = {
  spm: { bos: 1, eos: 2, unk: 0 },
  bpe: { bos: 11, eos: 11 },
  wpm: { bos: 101, unk: 100, sep: 102, pad: 0, mask: 103 },
  ugm: { eos: 1, unk: 2, pad: 0 },
};

const ID_KEYS: Array<[keyof SpecialIds, string[]]> = [
  ['bos', ['bos_token_id']],
  ['eos', ['eos_token_id']],
  ['eot', ['eot_token_id']],
  ['eom', ['eom_token_id']],
  ['unk', ['unknown_token_id']],
  ['sep', ['seperator_token_id']],
  ['pad', ['padding_token_id']],
  ['mask', ['mask_token_id']],
  ['fimPre', ['fim_pre_token_id', 'prefix_token_id']],
  ['fimSuf', ['fim_suf_token_id', 'suffix_token_id']],
  ['fimMid', ['fim_mid_token_id', 'middle_token_id']],
  ['fimPad', ['fim_pad_token_id']],
  ['fimRep', ['fim_rep_token_id']],
  ['fimSep', ['fim_sep_token_id']],
];

// Token texts llama.cpp recognises when the metadata does not name them: they become
// CONTROL, fill the id if it is unset, and (for the EOG list) end generation.
const NAMED: Array<[keyof SpecialIds, string[]]> = [
  [
    'eot',
    [
      '<|eot_id|>',
      '<|im_end|>',
      '<|end|>',
      '<end_of_turn>',
      '<|endoftext|>',
      '<|end_of_text|>',
      '<EOT>',
      '_<EOT>',
      '[EOT]',
      '<｜end▁of▁sentence｜>',
      '<end_of_utterance>',
    ],
  ],
  ['eom', ['<|eom_id|>']],
  ['fimPre', ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>']],
  ['fimSuf', ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>']],
  ['fimMid', ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>']],
  ['fimPad', ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]']],
  ['fimRep', ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>']],
  ['fimSep', ['<|file_sep|>']],
];
const EOG_TEXTS = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<|return|>',
  '<|call|>',
  '<|flush|>',
  '<|calls|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '</s>',
  '<|eom_id|>',
  '<EOT>',
  '_<EOT>',
  '[EOT]',
  '[EOS]',
  '<|end_of_text|>',
  '<end_of_utterance>',
  '<eos>',
  '<turn|>',
  '<|tool_response>',
  '<｜end▁of▁sentence｜>',
  '[e~[',
]);

function invalid(info: GgufInfo, message: string): FathomError {
  return new FathomError('INVALID_GGUF', `${info.path}: ${message}`);
}

function numberArray(info: GgufInfo, key: string, minLength: number): number[] | null {
  const value = info.metadata[key];
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number')) throw invalid(info, `${key} must be a numeric array`);
  if (value.length < minLength) throw invalid(info, `${key} has ${value.length} entries, fewer than the ${minLength} tokens`);
  return value as number[];
}

function flag(info: GgufInfo, key: string, fallback: boolean): boolean {
  const value = info.metadata[`tokenizer.ggml.${key}`];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(info, `tokenizer.ggml.${key} must be a bool`);
  return value;
}

function idValue(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : undefined;
}

export function readVocabulary(info: GgufInfo): Vocabulary {
  const meta = info.metadata;
  const model = meta['tokenizer.ggml.model'];
  if (typeof model !== 'string') throw invalid(info, 'tokenizer.ggml.model is missing: the file has no tokenizer');
  const kind = KIND_BY_MODEL[model];
  if (!kind)
    throw new FathomError(
      'UNSUPPORTED_ARCHITECTURE',
      `${info.path}: tokenizer model '${model}' is not supported (supported: ${Object.keys(KIND_BY_MODEL).join(', ')})`,
    );
  const tokens = meta['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => typeof t !== 'string'))
    throw invalid(info, 'tokenizer.ggml.tokens must be a non-empty array of strings');
  const n = tokens.length;

  const texts = (tokens as string[]).map((t, i) => (t === '' ? `[EMPTY_${i}]` : t));
  const scoreValues = numberArray(info, 'tokenizer.ggml.scores', n);
  const typeValues = numberArray(info, 'tokenizer.ggml.token_type', n);
  const scores = new Float32Array(n);
  const attrs = new Uint16Array(n);
  const ids = new Map<string, number>();
  let maxTokenLength = 0;
  for (let i = 0; i < n; i++) {
    scores[i] = scoreValues ? scoreValues[i] : 0;
    attrs[i] = typeValues ? (TYPE_TO_ATTR[typeValues[i]] ?? TokenAttr.UNDEFINED) : TokenAttr.NORMAL;
    ids.set(texts[i], i);
    maxTokenLength = Math.max(maxTokenLength, texts[i].length);
  }

  const preName = typeof meta['tokenizer.ggml.pre'] === 'string' ? (meta['tokenizer.ggml.pre'] as string) : '';
  const v: Vocabulary = {
    model,
    kind,
    texts,
    scores,
    attrs,
    ids,
    maxTokenLength,
    special: {
      bos: null,
      eos: null,
      eot: null,
      eom: null,
      unk: null,
      sep: null,
      pad: null,
      mask: null,
      fimPre: null,
      fimSuf: null,
      fimMid: null,
      fimPad: null,
      fimRep: null,
      fimSep: null,
    },
    eog: new Set(),
    specialByLength: [],
    addBos: false,
    addEos: false,
    addSep: false,
    addSpacePrefix: false,
    removeExtraWhitespaces: false,
    escapeWhitespaces: kind === 'spm' || kind === 'ugm',
    cleanSpaces: false,
    merges: new Map(),
    ignoreMerges: false,
    preTokenizer: null,
    lowercase: false,
    stripAccents: false,
    precompiledCharsmap: null,
  };
  Object.assign(v.special, DEFAULT_IDS[kind]);

  if (kind === 'bpe') {
    const merges = meta['tokenizer.ggml.merges'];
    if (!Array.isArray(merges) || merges.some((m) => typeof m !== 'string')) throw invalid(info, 'tokenizer.ggml.merges must be an array of strings');
    (merges as string[]).forEach((merge, rank) => {
      const space = merge.indexOf(' ', 1);
      const key = space === -1 ? '\0' : `${merge.slice(0, space)}\0${merge.slice(space + 1)}`;
      if (!v.merges.has(key)) v.merges.set(key, rank);
    });
    const pre = preTokenizerFor(model === 'gemma4' ? 'gemma4' : preName);
    if (!pre) throw new FathomError('UNSUPPORTED_ARCHITECTURE', `${info.path}: pre-tokenizer '${preName}' (tokenizer.ggml.pre) is not supported`);
    v.preTokenizer = pre;
    v.cleanSpaces = pre.cleanSpaces;
    v.ignoreMerges = pre.ignoreMerges;
    v.addBos = pre.addBos;
    v.escapeWhitespaces = pre.escapeWhitespaces;
    v.addSep = pre.addSep;
  } else if (kind === 'spm') {
    Object.assign(v, { addSpacePrefix: true, addBos: true });
  } else if (kind === 'wpm') {
    Object.assign(v, { cleanSpaces: true, addBos: true, addSep: true });
  } else {
    v.addEos = true;
    const charsmap = meta['tokenizer.ggml.precompiled_charsmap'];
    if (charsmap !== undefined) {
      if (!Array.isArray(charsmap) || charsmap.some((b) => typeof b !== 'number'))
        throw invalid(info, 'tokenizer.ggml.precompiled_charsmap must be a byte array');
      v.precompiledCharsmap = Uint8Array.from(charsmap as number[], (b) => b & 0xff);
    }
  }
  v.addSpacePrefix = flag(info, 'add_space_prefix', v.addSpacePrefix);
  v.removeExtraWhitespaces = flag(info, 'remove_extra_whitespaces', v.removeExtraWhitespaces);

  // Special ids: out-of-range defaults are dropped; out-of-range metadata keeps the default.
  for (const [name, keys] of ID_KEYS) {
    const current = v.special[name];
    if (current !== null && current >= n) v.special[name] = null;
    for (const key of keys) {
      const value = idValue(meta[`tokenizer.ggml.${key}`]);
      if (value !== undefined && value < n) v.special[name] = value;
    }
  }
  v.addBos = flag(info, 'add_bos_token', v.addBos);
  v.addEos = flag(info, 'add_eos_token', v.addEos);
  v.addSep = flag(info, 'add_sep_token', v.addSep);
  if (v.preTokenizer?.name === 'gemma4') v.addBos = true;
  v.lowercase = flag(info, 'normalizer.lowercase', true);
  v.stripAccents = flag(info, 'normalizer.strip_accents', v.lowercase);

  applyNamedTokens(v);
  applyStripRules(v, info);
  for (let id = 0; id < n; id++) {
    if (v.attrs[id] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) v.specialByLength.push(id);
  }
  v.specialByLength.sort((a, b) => utf8ByteLength(texts[b]) - utf8ByteLength(texts[a]));
  return v;
}

function utf8ByteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Name-based special tokens and the end-of-generation set, as llama.cpp derives them. */
function applyNamedTokens(v: Vocabulary): void {
  const markControl = (id: number) => (v.attrs[id] |= TokenAttr.CONTROL);
  for (const [name, texts] of NAMED) {
    if (v.special[name] !== null) continue;
    for (const text of texts) {
      const id = v.ids.get(text);
      if (id === undefined) continue;
      v.special[name] = id;
      markControl(id);
      break;
    }
  }
  for (const [text, id] of v.ids) {
    if (v.attrs[id] & TokenAttr.CONTROL && text.includes('unused')) v.attrs[id] |= TokenAttr.UNUSED;
  }
  for (const id of [v.special.fimPad, v.special.fimRep, v.special.fimSep]) if (id !== null) v.eog.add(id);
  for (const text of EOG_TEXTS) {
    const id = v.ids.get(text);
    if (id === undefined) continue;
    v.eog.add(id);
    markControl(id);
  }
  for (const text of ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']) {
    const id = v.ids.get(text);
    if (id !== undefined) v.attrs[id] = TokenAttr.USER_DEFINED;
  }
  for (const id of [v.special.eos, v.special.eot, v.special.eom]) if (id !== null) v.eog.add(id);

  // Harmony-style vocabularies end turns with <|return|>/<|call|>, so <|end|> is an ordinary marker there;
  // vocabularies with <|tool_response> use </s> as text.
  const eogText = (text: string) => [...v.eog].find((id) => v.texts[id] === text);
  const end = eogText('<|end|>');
  const has = (...texts: string[]) => texts.some((t) => eogText(t) !== undefined);
  if (end !== undefined && ((has('<|return|>') && has('<|call|>', '<|calls|>')) || (has('<|call|>', '<|calls|>') && has('<|flush|>')))) {
    v.eog.delete(end);
    v.attrs[end] = TokenAttr.USER_DEFINED;
  }
  const closing = eogText('</s>');
  if (closing !== undefined && has('<|tool_response>')) {
    v.eog.delete(closing);
    v.attrs[closing] = TokenAttr.NORMAL;
  }
}

/** Whitespace-stripping attributes some model families give their special tokens. */
function applyStripRules(v: Vocabulary, info: GgufInfo): void {
  const name = String(info.metadata['general.name'] ?? '').toLowerCase();
  const pre = String(info.metadata['tokenizer.ggml.pre'] ?? '');
  const set = (text: string, attr: TokenAttr, on: boolean) => {
    const id = v.ids.get(text);
    if (id !== undefined) v.attrs[id] = on ? v.attrs[id] | attr : v.attrs[id] & ~attr;
  };
  if (
    ['jina-v2-de', 'jina-v2-es', 'jina-v2-code'].some((p) => pre.includes(p)) ||
    ['nomic-bert-moe', 'jina-bert-v3'].some((a) => info.architecture.includes(a))
  ) {
    set('<mask>', TokenAttr.LSTRIP, true);
  } else if (name.includes('phi-3') || name.includes('phi3')) {
    for (let id = 0; id < v.texts.length; id++) {
      if (v.attrs[id] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) v.attrs[id] |= TokenAttr.RSTRIP;
    }
    set('</s>', TokenAttr.RSTRIP, true);
    for (const text of ['<unk>', '<s>', '<|endoftext|>']) set(text, TokenAttr.RSTRIP, false);
  } else if (name.includes('modern-bert')) {
    set('[MASK]', TokenAttr.LSTRIP, true);
  }
}
