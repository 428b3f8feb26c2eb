// Pre-tokenizers of byte-level BPE vocabularies (tokenizer.ggml.pre): the regular
// expressions that cut text into words before merging, with each family's flags.
// The expressions are the tokenizers' own (from their tokenizer.json, as llama.cpp
// lists them), applied one after another: each splits every piece the previous made,
// keeping both matches and the text between them. `\s` means Unicode White_Space here.

export interface PreTokenizer {
  name: string;
  regexes: RegExp[];
  /** Spell UTF-8 bytes with GPT-2's printable characters before merging (false: raw UTF-8). */
  byteEncode: boolean;
  cleanSpaces: boolean;
  ignoreMerges: boolean;
  addBos: boolean;
  addSep: boolean;
  escapeWhitespaces: boolean;
}

const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN2 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN35 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const GPT4O = `[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+${CONTRACTIONS}?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*${CONTRACTIONS}?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const DEEPSEEK_LETTERS =
  '\\s?[A-Za-z\\u00b5\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u01ba\\u01bc-\\u01bf\\u01c4-\\u0293\\u0295-\\u02af\\u0370-\\u0373\\u0376\\u0377\\u037b-\\u037d\\u037f\\u0386\\u0388-\\u038a\\u038c\\u038e-\\u03a1\\u03a3-\\u03f5\\u03f7-\\u0481\\u048a-\\u052f\\u0531-\\u0556\\u10a0-\\u10c5\\u13a0-\\u13f5\\u13f8-\\u13fd\\u1c90-\\u1cba\\u1cbd-\\u1cbf\\u1d00-\\u1d2b\\u1d6b-\\u1d77\\u1d79-\\u1d9a\\u1e00-\\u1f15\\u1f18-\\u1f1d\\u1f20-\\u1f45\\u1f48-\\u1f4d\\u1f50-\\u1f57\\u1f59\\u1f5b\\u1f5d\\u1f5f-\\u1f7d\\u1f80-\\u1fb4\\u1fb6-\\u1fbc\\u1fbe\\u1fc2-\\u1fc4\\u1fc6-\\u1fcc\\u1fd0-\\u1fd3\\u1fd6-\\u1fdb\\u1fe0-\\u1fec\\u1ff2-\\u1ff4\\u1ff6-\\u1ffc\\u2102\\u2107\\u210a-\\u2113\\u2115\\u2119-\\u211d\\u2124\\u2126\\u2128\\u212a-\\u212d\\u212f-\\u2134\\u2139\\u213c-\\u213f\\u2145-\\u2149\\u214e\\u2183\\u2184\\u2c00-\\u2c7b\\u2c7e-\\u2ce4\\u2ceb-\\u2cee\\u2cf2\\u2cf3\\ua640-\\ua66d\\ua680-\\ua69b\\ua722-\\ua76f\\ua771-\\ua787\\ua78b-\\ua78e\\uab70-\\uabbf\\ufb00-\\ufb06\\ufb13-\\ufb17\\uff21-\\uff3a\\uff41-\\uff5a\\u{10400}-\\u{1044f}\\u{104b0}-\\u{104d3}\\u{104d8}-\\u{104fb}\\u{10c80}-\\u{10cb2}\\u{10cc0}-\\u{10cf2}\\u{118a0}-\\u{118df}\\u{1e900}-\\u{1e943}]+';

// Each family: its expressions and how it differs from the defaults below.
interface Family {
  patterns: string[];
  cleanSpaces?: boolean;
  ignoreMerges?: boolean;
  addBos?: boolean;
  addSep?: boolean;
  byteEncode?: boolean;
  escapeWhitespaces?: boolean;
}

const FAMILIES: Record<string, Family> = {
  default: { patterns: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'], cleanSpaces: true },
  llama3: { patterns: [LLAMA3], cleanSpaces: true, ignoreMerges: true, addBos: true },
  dbrx: { patterns: [LLAMA3], cleanSpaces: true },
  'deepseek-llm': {
    patterns: [
      '[\\r\\n]',
      DEEPSEEK_LETTERS,
      '\\s?[!-/:-~\\uff01-\\uff0f\\uff1a-\\uff5e\\u2018-\\u201f\\u3000-\\u3002]+',
      '\\s+$',
      '[\\u4e00-\\u9fa5\\u0800-\\u4e00\\uac00-\\ud7ff]+',
      '\\p{N}+',
    ],
  },
  'deepseek-coder': { patterns: ['[\\r\\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[\\u4e00-\\u9fa5\\u0800-\\u4e00\\uac00-\\ud7ff]+', '\\p{N}'] },
  'deepseek-v3': {
    patterns: [
      '\\p{N}{1,3}',
      '[\\u4e00-\\u9fa5\\u3040-\\u309f\\u30a0-\\u30ff]+',
      '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
    ],
  },
  falcon: { patterns: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'], cleanSpaces: true },
  starcoder: { patterns: ['\\p{N}', GPT2], cleanSpaces: true },
  'starcoder-noclean': { patterns: ['\\p{N}', GPT2] },
  gpt2: { patterns: [GPT2], cleanSpaces: true },
  'gpt2-sep': { patterns: [GPT2], cleanSpaces: true, addSep: true },
  qwen2: { patterns: [QWEN2] },
  'qwen2-clean': { patterns: [QWEN2], cleanSpaces: true },
  qwen35: { patterns: [QWEN35] },
  poro: { patterns: [' ?[^(\\s|.,!?\\u2026\\u3002\\uff0c\\u3001\\u0964\\u06d4\\u060c)]+'] },
  'poro-clean': { patterns: [' ?[^(\\s|.,!?\\u2026\\u3002\\uff0c\\u3001\\u0964\\u06d4\\u060c)]+'], cleanSpaces: true },
  viking: { patterns: [' ?[^(\\s|.,!?\\u2026\\u3002\\uff0c\\u3001\\u0964\\u06d4\\u060c)]+', '\\p{N}'] },
  chatglm4: { patterns: [LLAMA3], cleanSpaces: true },
  tekken: {
    patterns: [
      '[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
    ],
    ignoreMerges: true,
    addBos: true,
  },
  gpt4o: { patterns: [GPT4O] },
  'seed-coder': { patterns: [`${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`] },
  bailingmoe: {
    patterns: ["'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"],
  },
  gemma4: { patterns: ['[^\\n]+|[\\n]+'], byteEncode: false, escapeWhitespaces: true, cleanSpaces: true },
};

// tokenizer.ggml.pre -> family (llama.cpp's names). An absent pre means "default".
const FAMILY_BY_PRE: Record<string, string> = {
  '': 'default',
  default: 'default',
  llama3: 'llama3',
  'llama-v3': 'llama3',
  'llama-bpe': 'llama3',
  falcon3: 'llama3',
  'falcon-h1': 'llama3',
  pixtral: 'llama3',
  'midm-2.0': 'llama3',
  lfm2: 'llama3',
  'jina-v5-nano': 'llama3',
  dbrx: 'dbrx',
  'smaug-bpe': 'dbrx',
  'deepseek-llm': 'deepseek-llm',
  'deepseek-coder': 'deepseek-coder',
  'deepseek-v3': 'deepseek-v3',
  'hunyuan-dense': 'deepseek-v3',
  'joyai-llm': 'deepseek-v3',
  falcon: 'falcon',
  starcoder: 'starcoder',
  refact: 'starcoder',
  codeshell: 'starcoder',
  exaone: 'starcoder',
  'minerva-7b': 'starcoder',
  mellum2: 'starcoder',
  'command-r': 'starcoder-noclean',
  smollm: 'starcoder-noclean',
  'gpt-2': 'gpt2',
  'phi-2': 'gpt2',
  'jina-es': 'gpt2',
  'jina-de': 'gpt2',
  gigachat: 'gpt2',
  'jina-v2-es': 'gpt2',
  'jina-v2-de': 'gpt2',
  'a.x-4.0': 'gpt2',
  mellum: 'gpt2',
  'modern-bert': 'gpt2',
  mpt: 'gpt2',
  olmo: 'gpt2',
  jais: 'gpt2',
  exaone4: 'gpt2',
  'jina-v1-en': 'gpt2-sep',
  'jina-v2-code': 'gpt2-sep',
  'roberta-bpe': 'gpt2-sep',
  qwen2: 'qwen2',
  'deepseek-r1-qwen': 'qwen2',
  kormo: 'qwen2',
  f2llmv2: 'qwen2',
  hunyuan: 'qwen2',
  'solar-open': 'qwen2',
  megrez: 'qwen2-clean',
  stablelm2: 'qwen2-clean',
  qwen35: 'qwen35',
  'poro-chat': 'poro',
  bloom: 'poro-clean',
  'gpt3-finnish': 'poro-clean',
  viking: 'viking',
  glm4: 'chatglm4',
  'chatglm-bpe': 'chatglm4',
  tekken: 'tekken',
  'gpt-4o': 'gpt4o',
  llama4: 'gpt4o',
  kanana2: 'gpt4o',
  talkie: 'gpt4o',
  'minimax-m2': 'gpt4o',
  'seed-coder': 'seed-coder',
  'grok-2': 'qwen2',
  bailingmoe: 'bailingmoe',
  bailingmoe2: 'bailingmoe',
  'llada-moe': 'bailingmoe',
  gemma4: 'gemma4',
  'granite-embed-multi-311m': 'gemma4',
};

/** Rewrites `\s` / `\S` to Unicode White_Space, the whitespace llama.cpp's splitter uses. */
function toJsRegex(pattern: string): RegExp {
  const source = pattern.replace(/\\\\|\\s|\\S/g, (m) => (m === '\\s' ? '\\p{White_Space}' : m === '\\S' ? '\\P{White_Space}' : m));
  return new RegExp(source, 'gu');
}

const cache = new Map<string, PreTokenizer>();

/** The pre-tokenizer for a tokenizer.ggml.pre value, or null if unsupported. */
export function preTokenizerFor(pre: string): PreTokenizer | null {
  const familyName = FAMILY_BY_PRE[pre];
  if (familyName === undefined) return null;
  let found = cache.get(pre);
  if (!found) {
    const f = FAMILIES[familyName];
    found = {
      name: familyName,
      regexes: f.patterns.map(toJsRegex),
      byteEncode: f.byteEncode ?? true,
      cleanSpaces: f.cleanSpaces ?? false,
      ignoreMerges: f.ignoreMerges ?? false,
      addBos: f.addBos ?? false,
      addSep: f.addSep ?? false,
      escapeWhitespaces: f.escapeWhitespaces ?? false,
    };
    cache.set(pre, found);
  }
  return found;
}

/** Cuts `text` into pre-tokens: every expression splits every piece into matches and the text between them. */
export function preTokenize(text: string, regexes: readonly RegExp[]): string[] {
  let pieces = [text];
  for (const regex of regexes) {
    const next: string[] = [];
    for (const piece of pieces) {
      let last = 0;
      regex.lastIndex = 0;
      for (let m = regex.exec(piece); m !== null; m = regex.exec(piece)) {
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        if (m.index > last) next.push(piece.slice(last, m.index));
        next.push(m[0]);
        last = m.index + m[0].length;
      }
      if (last < piece.length) next.push(piece.slice(last));
    }
    pieces = next;
  }
  return pieces;
}
