// The public Grammar: constrains what a generation may produce. Made from GBNF, a JSON Schema
// (or a Zod schema) or "any JSON"; parsed once, compiled once per model's vocabulary on first
// use, and shared by every generation, sequence and context that uses it.
import { FathomError } from '../errors.js';
import { createNativeGrammar } from '../native/addon.js';
import type { NativeGrammar } from '../native/contract.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { parseGbnf } from './gbnf.js';
import type { GrammarSource } from './grammar-source.js';
import { grammarVocabulary } from './grammar-vocabulary.js';
import { JSON_GBNF } from './json-gbnf.js';
import { jsonSchemaToGbnf, type JsonSchema } from './json-schema.js';
import { nativeRules } from './native-rules.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface GrammarOptions {
  /**
   * Make the grammar lazy: it constrains nothing until one of these appears in the output, then applies
   * from there on (the trigger is the start of what it must match). A string triggers where its text
   * appears (a special token's text included); a number triggers on that token id.
   */
  triggers?: ReadonlyArray<string | number>;
}

/** A Zod schema (v4, or any schema object with a toJSONSchema() method): its output type. */
/** A schema with a JSON Schema form and an output type: a Zod v4 schema. */
export interface SchemaWithJsonExport<T> {
  toJSONSchema(): unknown;
  readonly _output: T;
}

// Grammars by their text: the same text is parsed and compiled once.
const CACHE_LIMIT = 128;
const cache = new Map<string, Grammar>();

function cached<G extends Grammar>(key: string, make: () => G): G {
  const found = cache.get(key);
  if (found) {
    cache.delete(key);
    cache.set(key, found);
    return found as G;
  }
  const made = make();
  cache.set(key, made);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return made;
}

function checkTriggers(options: GrammarOptions | undefined): ReadonlyArray<string | number> {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null) throw new FathomError('INVALID_ARGUMENT', 'grammar options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'triggers') throw new FathomError('INVALID_ARGUMENT', `unknown option '${key}' in grammar options`);
  }
  const { triggers = [] } = options;
  if (!Array.isArray(triggers) || !triggers.every((t) => (typeof t === 'string' && t.length > 0) || (Number.isSafeInteger(t) && (t as number) >= 0)))
    throw new FathomError('INVALID_ARGUMENT', 'grammar triggers must be an array of non-empty strings and token ids');
  return [...triggers];
}

export class Grammar {
  /** The GBNF the grammar runs (for JSON Schemas and Grammar.json(), what they were converted to). */
  readonly gbnf: string;
  /** Lazy grammars: what activates them (empty: active from the first token). */
  readonly triggers: ReadonlyArray<string | number>;
  readonly #source: GrammarSource;
  readonly #compiled = new WeakMap<Tokenizer, NativeGrammar>();
  #textOnly: NativeGrammar | undefined;

  /** @internal */
  constructor(gbnf: string, triggers: ReadonlyArray<string | number>) {
    this.gbnf = gbnf;
    this.triggers = triggers;
    this.#source = parseGbnf(gbnf);
  }

  /** A grammar in GBNF, llama.cpp's dialect (see its grammars/README.md). Throws INVALID_GRAMMAR with line and column. */
  static gbnf(text: string, options?: GrammarOptions): Grammar {
    if (typeof text !== 'string') throw new FathomError('INVALID_ARGUMENT', 'Grammar.gbnf(text) takes the grammar as a string');
    const triggers = checkTriggers(options);
    return cached(`gbnf\0${JSON.stringify(triggers)}\0${text}`, () => new Grammar(text, triggers));
  }

  /** Any JSON value; `complete` then also returns it parsed (`result.json`). */
  static json(options?: GrammarOptions): JsonGrammar<JsonValue> {
    const triggers = checkTriggers(options);
    return cached(`json\0${JSON.stringify(triggers)}`, () => new JsonGrammar<JsonValue>(JSON_GBNF, triggers));
  }

  /**
   * JSON that validates against a JSON Schema (or a Zod schema, through its JSON Schema export).
   * Keywords the converter cannot enforce are refused with INVALID_ARGUMENT naming them.
   */
  static jsonSchema<T>(schema: SchemaWithJsonExport<T>, options?: GrammarOptions): JsonGrammar<T>;
  static jsonSchema<T = JsonValue>(schema: JsonSchema, options?: GrammarOptions): JsonGrammar<T>;
  static jsonSchema<T>(schema: JsonSchema | SchemaWithJsonExport<T>, options?: GrammarOptions): JsonGrammar<T> {
    let plain = schema as JsonSchema;
    if (typeof schema === 'object' && schema !== null && typeof (schema as SchemaWithJsonExport<T>).toJSONSchema === 'function') {
      try {
        plain = (schema as SchemaWithJsonExport<T>).toJSONSchema() as JsonSchema;
      } catch (error) {
        throw new FathomError('INVALID_ARGUMENT', `the schema has no JSON Schema form: ${(error as Error).message}`, { cause: error });
      }
    }
    const triggers = checkTriggers(options);
    let gbnf: string;
    try {
      gbnf = jsonSchemaToGbnf(plain);
    } catch (error) {
      // The converter recurses with the schema's nesting.
      if (error instanceof RangeError) throw new FathomError('INVALID_ARGUMENT', 'the JSON Schema nests too deeply', { cause: error });
      throw error;
    }
    return cached(`json-schema\0${JSON.stringify(triggers)}\0${gbnf}`, () => {
      try {
        return new JsonGrammar<T>(gbnf, triggers);
      } catch (error) {
        throw new FathomError('INVALID_ARGUMENT', `the JSON Schema's grammar cannot be built: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /**
   * Is `text` a whole output of this grammar? (No model needed; a grammar with tokens, `<[id]>`,
   * matches only through a model, and throws INVALID_GRAMMAR here.)
   */
  matches(text: string): boolean {
    if (typeof text !== 'string') throw new FathomError('INVALID_ARGUMENT', 'grammar.matches(text) takes a string');
    this.#textOnly ??= createNativeGrammar(grammarVocabulary(null), nativeRules(this.#source, null));
    return this.#textOnly.matches(text);
  }

  /** @internal The grammar compiled for one vocabulary (once; INVALID_GRAMMAR if its tokens are not in it). */
  compiled(tokenizer: Tokenizer): NativeGrammar {
    let native = this.#compiled.get(tokenizer);
    if (!native) {
      native = createNativeGrammar(grammarVocabulary(tokenizer), nativeRules(this.#source, tokenizer));
      this.#compiled.set(tokenizer, native);
    }
    return native;
  }
}

/** A grammar whose output is one JSON value, of type T where the schema says. */
export class JsonGrammar<T> extends Grammar {
  /** Parses a complete output; INCOMPLETE_OUTPUT if it is not a whole JSON value. */
  parse(text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new FathomError('INCOMPLETE_OUTPUT', `the output is not a complete JSON value: ${(error as Error).message}`, { cause: error });
    }
  }
}
