// JSON Schema -> GBNF, our own converter. Every output the grammar allows validates against
// the schema (it may allow less: property order is the schema's, additional properties only
// when the schema asks for them, bounded whitespace and digits). A keyword it cannot enforce
// is refused with INVALID_ARGUMENT naming it; annotations (title, description, ...) are read
// past. oneOf is treated as anyOf: alternatives that overlap can make an output match two.
import { FathomError } from '../errors.js';
import { parseGbnf } from './gbnf.js';
import { MAX_CODE_POINT, type GrammarSource } from './grammar-source.js';
import { JSON_RULES } from './json-gbnf.js';

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };
type SchemaObject = { readonly [keyword: string]: unknown };

const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  '$anchor',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'nullable', // OpenAPI 3.0's: read past (null is not generated; JSON Schema validators ignore it too)
  '$defs',
  'definitions',
]);
const HANDLED = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'anyOf',
  'oneOf',
  'allOf',
  '$ref',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'uniqueItems',
  'not',
]);
const RESERVED = new Set(JSON_RULES.split('\n').map((line) => line.split(' ::=')[0]!));
RESERVED.add('root');

// The fewest and most characters a format's strings have here, from its GBNF body (no recursion there).
const formatLengthCache = new Map<string, [number, number]>();
function formatLengths(format: string, body: string): [number, number] {
  const known = formatLengthCache.get(format);
  if (known) return known;
  const source: GrammarSource = parseGbnf(`root ::= ${body}`);
  const memo = new Map<number, [number, number]>();
  const rule = (r: number): [number, number] => {
    const seen = memo.get(r);
    if (seen) return seen;
    memo.set(r, [0, Infinity]); // a rule reached again inside itself: any length, as far as bounds go
    let range: [number, number] = [Infinity, 0];
    for (const alternative of source.rules[r]!) {
      let [lo, hi] = [0, 0];
      for (const item of alternative) {
        const [a, b] = item.kind === 'rule' ? rule(item.rule) : [1, 1];
        lo += a;
        hi += b;
      }
      range = [Math.min(range[0], lo), Math.max(range[1], hi)];
    }
    memo.set(r, range);
    return range;
  };
  const lengths = rule(source.root);
  formatLengthCache.set(format, lengths);
  return lengths;
}

// Formats every string has, for ajv-formats (and OpenAPI): read past on a string.
const ANY_STRING_FORMATS = new Set(['password', 'binary', 'int32', 'int64', 'float', 'double']);

// Characters a generated string may hold as themselves (escapes aside).
const PLAIN_CHAR = String.raw`[^"\\\x7F\x00-\x1F]`;

const FORMATS: Record<string, string> = {
  // Days per month without leap years (the 29th of February is left out), so every date is real.
  date: String.raw`[0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] ) | ( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | "02" "-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) )`,
  time: String.raw`( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,3} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )`,
  uuid: String.raw`[0-9a-f]{8} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{12}`,
  email: String.raw`[a-z0-9_+-]{1,20} ( "." [a-z0-9_+-]{1,20} ){0,2} "@" ( [a-z0-9] ( [a-z0-9-]{0,20} [a-z0-9] )? "." ){1,3} [a-z] [a-z]{1,5}`,
};
FORMATS['date-time'] = `${FORMATS.date} "T" ${FORMATS.time}`;
// Lower-case hosts of 2 to 4 labels, short paths: a small, always valid part of each format.
FORMATS.hostname = String.raw`( [a-z0-9] ( [a-z0-9-]{0,20} [a-z0-9] )? "." ){1,3} [a-z] [a-z]{1,5}`;
FORMATS.uri = String.raw`"http" "s"? "://" ${FORMATS.hostname} ( "/" [a-zA-Z0-9._~-]{1,20} ){0,4} "/"?`;
FORMATS.ipv6 = String.raw`[0-9a-f]{1,4} ( ":" [0-9a-f]{1,4} ){7}`;
FORMATS.duration = String.raw`"P" ( [0-9]{1,3} "D" ( "T" [0-9]{1,2} "H" )? | "T" [0-9]{1,2} "H" ( [0-9]{1,2} "M" )? | [0-9]{1,2} "W" )`;
FORMATS.byte = String.raw`( [A-Za-z0-9+/]{4} ){0,64} ( [A-Za-z0-9+/]{2} "==" | [A-Za-z0-9+/]{3} "=" )?`;
FORMATS['json-pointer'] = String.raw`( "/" [a-z0-9_]{1,12} ){0,5}`;
FORMATS['relative-json-pointer'] = String.raw`( "0" | [1-9] [0-9]{0,2} ) ( "#" | ( "/" [a-z0-9_]{1,12} ){0,5} )`;
FORMATS.regex = String.raw`[a-z]{1,10}`;
// Formats whose every string above is one of theirs: a URI is a URI reference, an IRI, a URL and a URI template.
for (const [alias, of] of [
  ['uri-reference', 'uri'],
  ['iri', 'uri'],
  ['iri-reference', 'uri'],
  ['url', 'uri'],
  ['uri-template', 'uri'],
  ['idn-hostname', 'hostname'],
  ['idn-email', 'email'],
  ['iso-time', 'time'],
  ['iso-date-time', 'date-time'],
] as const)
  FORMATS[alias] = FORMATS[of]!;
FORMATS.ipv4 = String.raw`( ( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9]? [0-9] ) "." ){3} ( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9]? [0-9] )`;

function unsupported(what: string, path: string): FathomError {
  return new FathomError('INVALID_ARGUMENT', `JSON Schema ${path}: ${what} is not supported by the grammar converter`);
}

function invalid(what: string, path: string): FathomError {
  return new FathomError('INVALID_ARGUMENT', `JSON Schema ${path}: ${what}`);
}

/** A GBNF literal for text (escaped for GBNF). */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const isObject = (v: unknown): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

// Bounded counts (maxLength, maxItems, ...) go up to this many units; a minimum past it is refused.
const MAX_COUNT = 4096;

const isName = (x: string): boolean => /^[a-z0-9-]+$/.test(x);

// x{min,max} in GBNF (max Infinity: unbounded). A lone rule name goes unbracketed: a group counts the
// rules first named inside it toward GBNF's repetition limit.
function repeat(x: string, min: number, max: number): string {
  const unit = isName(x) ? x : `( ${x} )`;
  if (max === Infinity) return min === 0 ? `${unit}*` : `${unit}{${min},}`;
  if (min === max) return min === 0 ? '""' : `${unit}{${min}}`;
  return `${unit}{${min},${max}}`;
}

// Non-negative integers in [lo, hi] (decimal strings of equal length), without leading zeros beyond "0".
function sameLengthRange(lo: string, hi: string): string {
  if (lo === hi) return gbnfLiteral(lo);
  const rest = lo.length - 1;
  const a = Number(lo[0]);
  const b = Number(hi[0]);
  const tail = (k: number): string => (k === 0 ? '' : ` [0-9]{${k}}`);
  if (rest === 0) return `[${a}-${b}]`;
  const loFull = /^0*$/.test(lo.slice(1)); // lo's first digit takes every tail
  const hiFull = /^9*$/.test(hi.slice(1));
  if (a === b) return `${gbnfLiteral(lo[0]!)} ( ${sameLengthRange(lo.slice(1), hi.slice(1))} )`;
  const parts: string[] = [];
  const first = loFull ? a : a + 1;
  const last = hiFull ? b : b - 1;
  if (!loFull) parts.push(`${gbnfLiteral(lo[0]!)} ( ${sameLengthRange(lo.slice(1), '9'.repeat(rest))} )`);
  if (first <= last) parts.push(`[${first}-${last}]${tail(rest)}`);
  if (!hiFull) parts.push(`${gbnfLiteral(hi[0]!)} ( ${sameLengthRange('0'.repeat(rest), hi.slice(1))} )`);
  return parts.join(' | ');
}

// minProperties/maxProperties (and uniqueItems over an enum) are counted with a rule per (property or value, count)
// pair, up to this many.
const MAX_COUNTED_RULES = 20000;

// As JSON_RULES' integers (up to 16 digits; Number.MAX_SAFE_INTEGER has 16).
const MAX_DIGITS = 16;

// Integers in [lo, hi] (hi may be Infinity: up to MAX_DIGITS digits), lo >= 0. The largest number of
// each length is written as a string: 10^16 - 1 is not a double.
function nonNegativeRange(lo: number, hi: number): string {
  const parts: string[] = [];
  let from = lo;
  for (let digits = String(lo).length; digits <= MAX_DIGITS; digits++) {
    if (hi === Infinity && from === 10 ** (digits - 1) && digits > 1) {
      // Every number of this many digits or more.
      parts.push(`[1-9] [0-9]{${digits - 1},${MAX_DIGITS - 1}}`);
      break;
    }
    const last = hi !== Infinity && String(hi).length === digits;
    parts.push(sameLengthRange(String(from), last ? String(hi) : '9'.repeat(digits)));
    if (last) break;
    from = 10 ** digits;
  }
  return parts.map((p) => `( ${p} )`).join(' | ');
}

// Decimals from lo to hi (whole, 0 <= lo <= hi; hi may be Infinity), without a sign: an integer part
// in [lo, hi) with any fraction, or hi itself (maybe with zeros after the point).
function decimalMagnitudes(lo: number, hi: number): string {
  if (hi === Infinity) return `( ${nonNegativeRange(lo, Infinity)} ) fraction?`;
  const below = hi - 1 >= lo ? `( ${nonNegativeRange(lo, hi - 1)} ) fraction?` : '';
  return [below, `${gbnfLiteral(String(hi))} ( "." "0"{1,3} )?`].filter(Boolean).join(' | ');
}

// Integers in [min, max]; either may be infinite.
function integerRange(min: number, max: number): string {
  const parts: string[] = [];
  if (min < 0) parts.push(`"-" ( ${nonNegativeRange(max < 0 ? -max : 1, -min)} )`);
  if (max >= 0) parts.push(nonNegativeRange(Math.max(0, min), max));
  return parts.join(' | ');
}

class Converter {
  #root: JsonSchema;
  readonly #rules = new Map<string, string>();
  readonly #refs = new Map<string, string>();
  readonly #used = new Set<string>();
  readonly #suffixes = new Map<string, number>();

  constructor(root: JsonSchema) {
    this.#root = root;
  }

  convert(): string {
    const root = this.#visit(this.#root, 'root', '#');
    return `root ::= ${root}\n${this.#ruleLines()}`;
  }

  // Another schema in this namespace of rule names, the root of its own $refs: the name of its rule.
  add(hint: string, schema: JsonSchema): string {
    this.#root = schema;
    this.#refs.clear();
    return this.#rule(hint, this.#visit(schema, hint, '#'));
  }

  reserve(name: string): void {
    this.#used.add(name);
  }

  get rules(): string {
    return this.#ruleLines();
  }

  #ruleLines(): string {
    const lines: string[] = [];
    for (const [name, body] of this.#rules) lines.push(`${name} ::= ${body}`);
    return `${lines.join('\n')}${lines.length ? '\n' : ''}${JSON_RULES}`;
  }

  // x{min,max}; counts past what GBNF's repetition syntax allows (llama.cpp's limit of 2000) become chains of rules.
  #repeat(x: string, min: number, upTo: number, hint: string, path: string): string {
    if (min > MAX_COUNT) throw unsupported(`a minimum length or item count above ${MAX_COUNT}`, path);
    // A large upper bound is lowered (the grammar then allows a subset): each unit past GBNF's limit is a rule.
    const max = upTo === Infinity ? upTo : Math.min(upTo, Math.max(min, MAX_COUNT));
    const LARGE = isName(x) ? 1000 : 200;
    if (min <= LARGE && (max === Infinity || max <= LARGE)) return repeat(x, min, max);
    const body = this.#rule(`${hint}-unit`, x);
    let tail = max === Infinity ? this.#rule(`${hint}-more`, '') : '';
    if (max === Infinity) this.#rules.set(tail, `${body} ${tail} | ""`);
    // optional(k) ::= x optional(k - 1) | (empty), then required ones in front.
    for (let k = 0; max !== Infinity && k < max - min; k++) tail = this.#rule(`${hint}-upto`, `${body}${tail ? ` ${tail}` : ''} | ""`);
    for (let k = 0; k < min; k++) tail = this.#rule(`${hint}-need`, `${body}${tail ? ` ${tail}` : ''}`);
    return tail || '""';
  }

  #name(hint: string): string {
    const base =
      hint
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'schema';
    let name = RESERVED.has(base) ? `${base}-0` : base;
    for (let i = this.#suffixes.get(base) ?? 1; this.#used.has(name) || RESERVED.has(name); i++) {
      name = `${base}-${i}`;
      this.#suffixes.set(base, i + 1);
    }
    this.#used.add(name);
    return name;
  }

  #rule(hint: string, body: string): string {
    const name = this.#name(hint);
    this.#rules.set(name, body);
    return name;
  }

  #resolve(ref: string, path: string): JsonSchema {
    if (!ref.startsWith('#')) throw unsupported(`$ref ${JSON.stringify(ref)} (only references inside the schema, "#/...")`, path);
    let at: unknown = this.#root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(at) && !Array.isArray(at)) throw invalid(`$ref ${JSON.stringify(ref)} does not point into the schema`, path);
      at = (at as Record<string, unknown>)[key];
    }
    if (at === undefined || !(isObject(at) || typeof at === 'boolean')) throw invalid(`$ref ${JSON.stringify(ref)} points to nothing`, path);
    return at as JsonSchema;
  }

  #visit(schema: JsonSchema, hint: string, path: string): string {
    if (schema === true) return 'value';
    if (schema === false) throw invalid('false allows no value', path);
    if (!isObject(schema)) throw invalid('a schema must be an object or a boolean', path);
    for (const key of Object.keys(schema)) {
      if (!HANDLED.has(key) && !ANNOTATIONS.has(key)) throw unsupported(`the keyword "${key}"`, path);
    }
    if (schema.not !== undefined) return this.#visit(this.#withoutNot(schema, path), hint, path);
    if (typeof schema.$ref === 'string') {
      const ref = schema.$ref;
      let name = this.#refs.get(ref);
      if (!name) {
        name = this.#name(ref.split('/').pop() ?? 'ref');
        this.#refs.set(ref, name);
        this.#rules.set(name, '""');
        this.#rules.set(name, this.#visit(this.#resolve(ref, path), name, ref));
      }
      const others = Object.keys(schema).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
      if (others.length > 0) throw unsupported(`"${others[0]}" beside $ref`, path);
      return name;
    }
    if (Object.hasOwn(schema, 'const') || schema.enum !== undefined) {
      if (schema.enum !== undefined && !Array.isArray(schema.enum)) throw invalid('enum must be an array', path);
      // Values are written as they are: other keywords beside them (but type) would go unchecked.
      const beside = Object.keys(schema).find((k) => k !== 'const' && k !== 'enum' && k !== 'type' && !ANNOTATIONS.has(k));
      if (beside !== undefined) throw unsupported(`"${beside}" beside enum/const`, path);
      return this.#literalChoice(Object.hasOwn(schema, 'const') ? [schema.const] : (schema.enum as unknown[]), schema, path);
    }
    if (schema.anyOf !== undefined && schema.oneOf !== undefined) throw unsupported('anyOf and oneOf together', path);
    const choices = schema.anyOf ?? schema.oneOf;
    if (choices !== undefined) {
      if (!Array.isArray(choices) || choices.length === 0) throw invalid('anyOf/oneOf must be a non-empty array', path);
      const rest = { ...schema, anyOf: undefined, oneOf: undefined };
      const hasRest = Object.keys(schema).some((k) => k !== 'anyOf' && k !== 'oneOf' && !ANNOTATIONS.has(k));
      const alternatives = (choices as JsonSchema[]).map((choice, i) => {
        const merged = hasRest ? this.#merge([stripUndefined(rest), choice], `${path}/anyOf/${i}`) : choice;
        return this.#visit(merged, `${hint}-${i}`, `${path}/anyOf/${i}`);
      });
      return this.#rule(hint, alternatives.join(' | '));
    }
    if (schema.allOf !== undefined) {
      if (!Array.isArray(schema.allOf) || schema.allOf.length === 0) throw invalid('allOf must be a non-empty array', path);
      const rest = stripUndefined({ ...schema, allOf: undefined });
      return this.#visit(this.#merge([rest, ...(schema.allOf as JsonSchema[])], path), hint, path);
    }
    const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
    if (types === undefined) {
      if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined)
        return this.#object(schema, hint, path);
      if (schema.items !== undefined || schema.prefixItems !== undefined) return this.#array(schema, hint, path);
      if (schema.minLength !== undefined || schema.maxLength !== undefined || schema.pattern !== undefined || schema.format !== undefined)
        return this.#string(schema, hint, path);
      const constraining = Object.keys(schema).filter((k) => !ANNOTATIONS.has(k));
      if (constraining.length > 0) throw unsupported(`"${constraining[0]}" without a "type"`, path);
      return 'value';
    }
    if (types.length === 0) throw invalid('type must not be an empty array', path);
    const alternatives = types.map((type) => this.#typed(String(type), schema, types.length > 1 ? `${hint}-${String(type)}` : hint, path));
    return alternatives.length === 1 ? alternatives[0]! : this.#rule(hint, alternatives.join(' | '));
  }

  // "not": {"type": ...} (the only form enforced): the schema's own types less those.
  #withoutNot(schema: SchemaObject, path: string): SchemaObject {
    const not = schema.not;
    if (!isObject(not) || not.type === undefined || Object.keys(not).some((k) => k !== 'type' && !ANNOTATIONS.has(k)))
      throw unsupported('"not" other than {"type": ...}', path);
    const negated = new Set(Array.isArray(not.type) ? (not.type as unknown[]) : [not.type]);
    if (negated.has('number')) negated.add('integer');
    const own =
      schema.type === undefined ? ['null', 'boolean', 'object', 'array', 'number', 'string'] : Array.isArray(schema.type) ? schema.type : [schema.type];
    const kept = own.filter((t) => !negated.has(t));
    if (negated.has('integer') && kept.includes('number')) throw unsupported('"not": {"type": "integer"} beside "number" (numbers that are not whole)', path);
    if (kept.length === 0) throw invalid('"not" leaves no type', path);
    const rest: Record<string, unknown> = { ...schema, type: kept.length === 1 ? kept[0] : kept };
    delete rest.not;
    return rest;
  }

  #typed(type: string, schema: SchemaObject, hint: string, path: string): string {
    switch (type) {
      case 'string':
        return this.#string(schema, hint, path);
      case 'integer':
        return this.#integer(schema, hint, path);
      case 'number':
        return this.#number(schema, hint, path);
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'object':
        return this.#object(schema, hint, path);
      case 'array':
        return this.#array(schema, hint, path);
      default:
        throw invalid(`unknown type ${JSON.stringify(type)}`, path);
    }
  }

  #literalChoice(values: unknown[], schema: SchemaObject, path: string): string {
    return `( ${this.#enumValues(values, schema, path)
      .map((v) => gbnfLiteral(JSON.stringify(v)))
      .join(' | ')} )`;
  }

  // The enum/const values of the schema's type.
  #enumValues(values: unknown[], schema: SchemaObject, path: string): unknown[] {
    if (values.length === 0) throw invalid('enum must not be empty', path);
    const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
    const fits = (v: unknown): boolean => {
      if (!types) return true;
      const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
      return types.some((ty) => ty === t || (ty === 'integer' && Number.isInteger(v)) || (ty === 'number' && typeof v === 'number'));
    };
    const kept = values.filter(fits);
    if (kept.length === 0) throw invalid("no enum/const value has the schema's type", path);
    return kept;
  }

  #string(schema: SchemaObject, hint: string, path: string): string {
    const { minLength = 0, maxLength = Infinity, pattern, format } = schema;
    if (!isCount(minLength) || !(maxLength === Infinity || isCount(maxLength))) throw invalid('minLength/maxLength must be non-negative integers', path);
    if ((maxLength as number) < minLength) throw invalid('maxLength is below minLength', path);
    // A pattern beside a format (Zod writes both) is what the grammar enforces: the two are taken to agree.
    // password and binary (OpenAPI) are any string; int32 and the other number formats do not apply to strings.
    if (format !== undefined && pattern === undefined && !ANY_STRING_FORMATS.has(format as string)) {
      const body = typeof format === 'string' ? FORMATS[format] : undefined;
      if (!body) throw unsupported(`the string format ${JSON.stringify(format)} (supported: ${Object.keys(FORMATS).join(', ')})`, path);
      // Lengths every string of the format already has (an email's maxLength: 254) bound nothing more.
      const [shortest, longest] = formatLengths(format as string, body);
      if (minLength > shortest || (maxLength as number) < longest)
        throw unsupported(`minLength/maxLength inside the format's own lengths (${shortest} to ${longest} characters here)`, path);
      return this.#rule(`${hint}-${format}`, `"\\"" ${body} "\\""`);
    }
    if (pattern !== undefined) {
      if (typeof pattern !== 'string') throw invalid('pattern must be a string', path);
      if (schema.minLength !== undefined || schema.maxLength !== undefined) throw unsupported('pattern with minLength/maxLength', path);
      return this.#rule(hint, `"\\"" ${new PatternConverter(pattern, path).convert()} "\\""`);
    }
    if (minLength === 0 && maxLength === Infinity) return 'string';
    return this.#rule(hint, `"\\"" ${this.#repeat('char', minLength, maxLength as number, hint, path)} "\\""`);
  }

  #bounds(schema: SchemaObject, path: string, integer: boolean): { min: number; max: number } {
    let min = -Infinity;
    let max = Infinity;
    const bound = (key: string): number | undefined => {
      const v = schema[key];
      if (v === undefined || typeof v === 'boolean') return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${key} must be a number`, path);
      return v;
    };
    const minimum = bound('minimum');
    const maximum = bound('maximum');
    const exMin = bound('exclusiveMinimum');
    const exMax = bound('exclusiveMaximum');
    // Draft 4 wrote exclusiveness as booleans beside minimum/maximum.
    const draft4Min = schema.exclusiveMinimum === true;
    const draft4Max = schema.exclusiveMaximum === true;
    if (integer) {
      if (minimum !== undefined) min = Math.max(min, draft4Min ? Math.floor(minimum) + 1 : Math.ceil(minimum));
      if (maximum !== undefined) max = Math.min(max, draft4Max ? Math.ceil(maximum) - 1 : Math.floor(maximum));
      if (exMin !== undefined) min = Math.max(min, Math.floor(exMin) + 1);
      if (exMax !== undefined) max = Math.min(max, Math.ceil(exMax) - 1);
    } else {
      if (minimum !== undefined) min = minimum;
      if (maximum !== undefined) max = maximum;
      if (exMin !== undefined) min = Math.max(min, exMin);
      if (exMax !== undefined) max = Math.min(max, exMax);
    }
    if (min > max) throw invalid('the bounds leave no number', path);
    return { min, max };
  }

  #integer(schema: SchemaObject, hint: string, path: string): string {
    if (schema.multipleOf !== undefined && schema.multipleOf !== 1) throw unsupported('multipleOf', path);
    let { min, max } = this.#bounds(schema, path, true);
    // OpenAPI's int32 (ajv-formats checks its range); int64 holds every integer written here.
    if (schema.format === 'int32') [min, max] = [Math.max(min, -(2 ** 31)), Math.min(max, 2 ** 31 - 1)];
    if (min > max) throw invalid('the bounds leave no number', path);
    // Bounds at or past 10^16 bound nothing here (integers have at most 16 digits); ones between
    // Number.MAX_SAFE_INTEGER (which Zod writes) and 10^16 cannot be read exactly.
    const reach = 10 ** MAX_DIGITS;
    const low = min <= -reach ? -Infinity : min;
    const high = max >= reach ? Infinity : max;
    if (Math.abs(Number.isFinite(low) ? low : 0) > Number.MAX_SAFE_INTEGER || Math.abs(Number.isFinite(high) ? high : 0) > Number.MAX_SAFE_INTEGER)
      throw unsupported('integer bounds beyond Number.MAX_SAFE_INTEGER', path);
    return this.#rule(hint, integerRange(low, high));
  }

  #number(schema: SchemaObject, hint: string, path: string): string {
    if (schema.format === 'int32' || schema.format === 'int64') return this.#integer(schema, hint, path);
    if (schema.multipleOf !== undefined) throw unsupported('multipleOf on a number', path);
    const { min, max } = this.#bounds(schema, path, false);
    // Open at a bound that came from exclusiveMinimum/Maximum (a number, or draft 4's true beside minimum/maximum).
    const openLow = schema.exclusiveMinimum === true || (typeof schema.exclusiveMinimum === 'number' && min === schema.exclusiveMinimum);
    const openHigh = schema.exclusiveMaximum === true || (typeof schema.exclusiveMaximum === 'number' && max === schema.exclusiveMaximum);
    if (openLow && openHigh && min === max) throw invalid('the bounds leave no number', path);
    if (min === -Infinity && max === Infinity) return 'number';
    if (min === 0 && !openLow && max === Infinity) return this.#rule(hint, `( "0" | [1-9] [0-9]{0,15} ) fraction? ( [eE] "+"? [0-9]{1,2} )?`);
    // Between the whole numbers inside the bounds, any decimal (integer part up to 16 digits, no
    // exponent); past them, toward a bound that is not whole, nothing: it may allow less, never more.
    // Bounds at or past 10^16 bound nothing here.
    const reach = 10 ** MAX_DIGITS;
    const low = min <= -reach ? -Infinity : openLow ? Math.floor(min) + 1 : Math.ceil(min);
    const high = max >= reach ? Infinity : openHigh ? Math.ceil(max) - 1 : Math.floor(max);
    if (Math.abs(Number.isFinite(low) ? low : 0) > 1e15 || Math.abs(Number.isFinite(high) ? high : 0) > 1e15)
      throw unsupported('number bounds beyond 10^15 in magnitude (other than none)', path);
    const parts: string[] = [];
    if (high >= 0 && Math.max(low, 0) <= high) parts.push(decimalMagnitudes(Math.max(low, 0), high));
    if (low < 0 && (high < 0 ? -high : 0) <= -low) parts.push(`"-" ( ${decimalMagnitudes(high < 0 ? -high : 0, -low)} )`);
    // Just past an exclusive whole bound toward the other: 0.001 for exclusiveMinimum 0, -0.5 for exclusiveMaximum 0.
    if (openLow && Number.isInteger(min) && min >= 0 && max >= min + 1) parts.push(`${gbnfLiteral(String(min))} "." [0-9]{0,15} [1-9]`);
    if (openHigh && Number.isInteger(max) && max <= 0 && min <= max - 1) parts.push(`"-" ${gbnfLiteral(String(-max))} "." [0-9]{0,15} [1-9]`);
    if (parts.length === 0) throw unsupported('number bounds with no whole number between them', path);
    return this.#rule(hint, parts.map((p) => `( ${p} )`).join(' | '));
  }

  #object(schema: SchemaObject, hint: string, path: string): string {
    const properties = schema.properties ?? {};
    if (!isObject(properties)) throw invalid('properties must be an object', path);
    const required = schema.required ?? [];
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) throw invalid('required must be an array of strings', path);
    const listed: Array<[string, JsonSchema]> = Object.entries(properties) as Array<[string, JsonSchema]>;
    for (const name of required as string[]) if (!Object.hasOwn(properties, name)) listed.push([name, true]);
    const isRequired = new Set(required as string[]);
    const additional = schema.additionalProperties;
    if (additional !== undefined && typeof additional !== 'boolean' && !isObject(additional))
      throw invalid('additionalProperties must be a boolean or a schema', path);
    const { minProperties = 0, maxProperties = Infinity } = schema;
    if (!isCount(minProperties) || !(maxProperties === Infinity || isCount(maxProperties)))
      throw invalid('minProperties/maxProperties must be non-negative integers', path);
    if ((minProperties as number) > (maxProperties as number) || (maxProperties as number) < isRequired.size)
      throw invalid('the property counts leave no object', path);
    const members = listed.map(([name, sub]) => {
      const value = this.#visit(sub, `${hint}-${name}`, `${path}/properties/${name}`);
      return { kv: `${gbnfLiteral(JSON.stringify(name))} ws ":" ws ${value}`, required: isRequired.has(name) };
    });
    // Additional members: keys other than the listed ones (plain characters only, so no escape spells a listed key).
    let extra = '';
    if (additional === true || isObject(additional)) {
      const value = additional === true ? 'value' : this.#visit(additional as JsonSchema, `${hint}-additional`, `${path}/additionalProperties`);
      const key = this.#keyNotIn(
        listed.map(([name]) => name),
        hint,
      );
      extra = this.#rule(`${hint}-extra`, `${key} ws ":" ws ${value}`);
    }
    const open = extra !== '';
    const counted = (minProperties as number) > isRequired.size || (maxProperties as number) < (open ? Infinity : members.length);
    if (counted) return this.#countedMembers(members, extra, minProperties as number, maxProperties as number, hint, path);
    // first(i): members from i on when none is written yet; rest(i): after one was (so each starts with a comma).
    const n = members.length;
    const rest: string[] = new Array<string>(n + 1);
    const first: string[] = new Array<string>(n + 1);
    rest[n] = extra ? `( "," ws ${extra} ws )*` : '';
    first[n] = extra ? `( ${extra} ws ( "," ws ${extra} ws )* )?` : '';
    for (let i = n - 1; i >= 0; i--) {
      const { kv, required: req } = members[i]!;
      const after = rest[i + 1] ? this.#rule(`${hint}-rest`, rest[i + 1]!) : '';
      rest[i] = req ? `"," ws ${kv} ws ${after}` : `( "," ws ${kv} ws )? ${after}`;
      const afterFirst = first[i + 1] ? this.#rule(`${hint}-first`, first[i + 1]!) : '""';
      first[i] = req ? `${kv} ws ${after}` : `${kv} ws ${after} | ${afterFirst}`;
    }
    const body = first[0] ? `"{" ws ( ${first[0]} ) "}"` : `"{" ws "}"`;
    return this.#rule(hint, body);
  }

  // An object whose member count is bounded (minProperties/maxProperties): after(i, c) is the rest of
  // the object from listed member i on with c members written, listed ones in order, then extras.
  #countedMembers(members: Array<{ kv: string; required: boolean }>, extra: string, min: number, max: number, hint: string, path: string): string {
    const n = members.length;
    if (!extra && min > n) throw invalid('minProperties above the properties the object may have', path);
    // One rule per (member, count) pair: bounded, so a hostile schema cannot make millions.
    if ((n + 1) * ((max === Infinity ? Math.max(min, 1) : max) + 1) > MAX_COUNTED_RULES)
      throw unsupported(`minProperties/maxProperties over this many properties (more than ${MAX_COUNTED_RULES} counted states)`, path);
    const names = new Map<string, string>();
    const after = (i: number, c: number): string => {
      // With no upper bound, counts past the minimum (and past the first member, for the comma) are all alike.
      const key = `${i},${max === Infinity ? Math.min(c, Math.max(min, 1)) : c}`;
      const known = names.get(key);
      if (known !== undefined) return known;
      const comma = c > 0 ? '"," ws ' : '';
      const alternatives: string[] = [];
      if (i === n) {
        const need = Math.max(0, min - c);
        const room = max - c;
        if (!extra) {
          if (need === 0) alternatives.push('""');
        } else if (c > 0) {
          alternatives.push(room === 0 ? '""' : this.#repeat(`"," ws ${extra} ws`, need, room, hint, path) || '""');
        } else if (room > 0) {
          const more = this.#repeat(`"," ws ${extra} ws`, Math.max(0, need - 1), room - 1, hint, path);
          alternatives.push(`${extra} ws ${more}`);
          if (need === 0) alternatives.push('""');
        } else alternatives.push('""');
      } else {
        const { kv, required } = members[i]!;
        const possibleAfter = extra ? Infinity : n - i - 1;
        if (c < max && c + 1 + possibleAfter >= min) alternatives.push(`${comma}${kv} ws ${after(i + 1, c + 1)}`);
        if (!required && c + possibleAfter >= min) alternatives.push(after(i + 1, c));
      }
      if (alternatives.length === 0) throw invalid('the property counts leave no object', path);
      const name = this.#rule(`${hint}-members`, alternatives.join(' | '));
      names.set(key, name);
      return name;
    };
    return this.#rule(hint, `"{" ws ${after(0, 0)} "}"`);
  }

  // A JSON string key that is none of `names` (a trie of the names, with every way out of it).
  #keyNotIn(names: string[], hint: string): string {
    if (names.length === 0) return `"\\"" ${PLAIN_CHAR}* "\\""`;
    // A trie of the names (by code point), one rule per node: a key may close where no name ends,
    // go on along a name, or leave every name with any other character. No recursion: names may be long.
    type KeyNode = { children: Map<string, KeyNode>; isName: boolean; rule: string };
    const fresh = (): KeyNode => ({ children: new Map(), isName: false, rule: this.#name(`${hint}-key`) });
    const root = fresh();
    for (const name of names) {
      let at = root;
      for (const ch of name) {
        let next = at.children.get(ch);
        if (!next) {
          next = fresh();
          at.children.set(ch, next);
        }
        at = next;
      }
      at.isName = true;
    }
    const pending = [root];
    while (pending.length > 0) {
      const node = pending.pop()!;
      const parts: string[] = node.isName ? [] : [`"\\""`];
      for (const [ch, child] of node.children) {
        parts.push(`${gbnfLiteral(JSON.stringify(ch).slice(1, -1))} ${child.rule}`);
        pending.push(child);
      }
      const excluded = [...node.children.keys()].map((ch) => gbnfClassChar(ch)).join('');
      parts.push(`[^"\\\\\\x7F\\x00-\\x1F${excluded}] ${PLAIN_CHAR}* "\\""`);
      this.#rules.set(node.rule, parts.join(' | '));
    }
    return this.#rule(`${hint}-key`, `"\\"" ${root.rule}`);
  }

  #array(schema: SchemaObject, hint: string, path: string): string {
    const { minItems = 0, maxItems = Infinity } = schema;
    if (schema.uniqueItems === true) return this.#uniqueArray(schema, hint, path);
    if (!isCount(minItems) || !(maxItems === Infinity || isCount(maxItems))) throw invalid('minItems/maxItems must be non-negative integers', path);
    let prefix: JsonSchema[] = [];
    let items: JsonSchema | undefined = schema.items as JsonSchema | undefined;
    if (Array.isArray(schema.prefixItems)) prefix = schema.prefixItems as JsonSchema[];
    else if (Array.isArray(schema.items)) {
      prefix = schema.items as JsonSchema[];
      items = schema.additionalItems as JsonSchema | undefined;
    }
    if (items === undefined) items = prefix.length > 0 ? false : true;
    const tuple = prefix.map((sub, i) => this.#visit(sub, `${hint}-${i}`, `${path}/prefixItems/${i}`));
    const max = items === false ? Math.min(maxItems as number, tuple.length) : (maxItems as number);
    if (max < minItems) throw invalid('the item counts leave no array', path);
    const item = items === false ? '' : this.#visit(items, `${hint}-item`, `${path}/items`);
    // Element k (0-based) is tuple[k] while there is one, then item.
    const element = (k: number): string => (k < tuple.length ? tuple[k]! : item);
    // list(k): the elements from k on, given k are written; at least minItems, at most max.
    const list = (k: number): string => {
      if (k >= max) return '';
      if (k >= tuple.length) {
        const need = Math.max(0, minItems - k);
        const more = max === Infinity ? Infinity : max - k;
        return this.#repeat(`"," ws ${item} ws`, need, more, hint, path);
      }
      const next = `"," ws ${element(k)} ws ${list(k + 1)}`;
      return k < minItems ? next : `( ${next} )?`;
    };
    const body = max === 0 ? '""' : `${element(0)} ws ${list(1)}`;
    const inner = max === 0 ? '' : minItems > 0 ? ` ${body}` : ` ( ${body} )?`;
    return this.#rule(hint, `"[" ws${inner} "]"`);
  }

  // uniqueItems: items from an enum (or const) of scalars are written in the enum's order, each at most
  // once; other items are not told apart by a grammar, so such an array holds at most one.
  #uniqueArray(schema: SchemaObject, hint: string, path: string): string {
    const { minItems = 0, maxItems = Infinity } = schema;
    const items = schema.items;
    if (schema.prefixItems !== undefined || Array.isArray(items)) throw unsupported('uniqueItems with prefixItems', path);
    const onlyChoices = (o: SchemaObject) => Object.keys(o).every((k) => k === 'const' || k === 'enum' || k === 'type' || ANNOTATIONS.has(k));
    const choices = isObject(items) && (Object.hasOwn(items, 'const') || Array.isArray(items.enum)) && onlyChoices(items) ? items : undefined;
    const values = choices ? this.#enumValues(Object.hasOwn(choices, 'const') ? [choices.const] : (choices.enum as unknown[]), choices, `${path}/items`) : [];
    const scalars = values.length > 0 && values.every((v) => v === null || typeof v !== 'object');
    // One rule per (value, count) pair, bounded as object member counts are.
    const states = (values.length + 1) * (Math.min(maxItems as number, values.length) + 1);
    if (!scalars || states > MAX_COUNTED_RULES) {
      if ((minItems as number) > 1) throw unsupported('uniqueItems with minItems above 1 (items other than an enum of scalars)', path);
      return this.#array({ ...schema, uniqueItems: false, maxItems: Math.min(maxItems as number, 1) }, hint, path);
    }
    const literals = [...new Set(values.map((v) => JSON.stringify(v)))].map(gbnfLiteral);
    const max = Math.min(maxItems as number, literals.length);
    if (max < (minItems as number)) throw invalid('the item counts leave no array of distinct items', path);
    // pick(i, c): the rest of the array after c items, choosing among literals[i..] in order.
    const names = new Map<string, string>();
    const pick = (i: number, c: number): string => {
      const key = `${i},${c}`;
      const known = names.get(key);
      if (known !== undefined) return known;
      const alternatives: string[] = [];
      if (i === literals.length || c === max) {
        if (c >= (minItems as number)) alternatives.push('""');
      } else {
        alternatives.push(`${c > 0 ? '"," ws ' : ''}${literals[i]} ws ${pick(i + 1, c + 1)}`);
        if (c + literals.length - i - 1 >= (minItems as number)) alternatives.push(pick(i + 1, c));
      }
      const name = this.#rule(`${hint}-unique`, alternatives.join(' | '));
      names.set(key, name);
      return name;
    };
    return this.#rule(hint, `"[" ws ${pick(0, 0)} "]"`);
  }

  // allOf: the schemas' constraints in one. Objects: properties united (one named in two members must
  // satisfy both: an allOf of its two schemas), required united; a member that closes its object
  // (additionalProperties not true) may not gain properties from another member.
  #merge(schemas: JsonSchema[], path: string): JsonSchema {
    const out: Record<string, unknown> = {};
    const members: SchemaObject[] = [];
    for (let s of schemas) {
      const seen = new Set<string>();
      while (isObject(s) && typeof s.$ref === 'string') {
        if (seen.has(s.$ref)) throw invalid(`$ref ${JSON.stringify(s.$ref)} refers to itself`, path);
        seen.add(s.$ref);
        const siblings = Object.keys(s).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
        if (siblings.length > 0) throw unsupported(`"${siblings[0]}" beside $ref`, path);
        s = this.#resolve(s.$ref, path);
      }
      if (s === true) continue;
      if (!isObject(s)) throw invalid('allOf holds a schema that allows nothing', path);
      members.push(s);
      for (const [key, value] of Object.entries(s)) {
        if (ANNOTATIONS.has(key)) continue;
        if (key === 'properties') {
          const merged = { ...(out.properties as Record<string, JsonSchema>) };
          for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) {
            merged[name] = Object.hasOwn(merged, name) ? { allOf: [merged[name]!, sub] } : sub;
          }
          out.properties = merged;
        } else if (key === 'required') out.required = [...new Set([...((out.required as string[]) ?? []), ...(value as string[])])];
        else if (key in out && JSON.stringify(out[key]) !== JSON.stringify(value)) throw unsupported(`allOf with two different "${key}"`, path);
        else out[key] = value;
      }
    }
    const names = Object.keys((out.properties as object) ?? {});
    for (const m of members) {
      if (m.additionalProperties === undefined || m.additionalProperties === true) continue;
      const own = isObject(m.properties) ? m.properties : {};
      const extra = names.find((name) => !Object.hasOwn(own, name));
      if (extra !== undefined) throw unsupported(`allOf where a member with additionalProperties does not list "${extra}"`, path);
    }
    return out;
  }
}

function stripUndefined(o: Record<string, unknown>): SchemaObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function gbnfClassChar(ch: string): string {
  return /[\]\\^-]/.test(ch) ? `\\${ch}` : ch;
}

const UNBOUNDED_PATTERN_EXTRA = 32;
const MAX_PATTERN_REPEAT = 1000;

// A JSON Schema `pattern` (ECMAScript regex syntax, the common subset) as GBNF for a string's
// characters, JSON-escaped. Unanchored ends match anything, as a regex search does.
class PatternConverter {
  readonly #src: string;
  readonly #path: string;
  #pos = 0;

  constructor(pattern: string, path: string) {
    this.#src = pattern;
    this.#path = path;
  }

  convert(): string {
    const anchoredStart = this.#src.startsWith('^');
    if (anchoredStart) this.#pos = 1;
    const body = this.#alternation();
    let anchoredEnd = false;
    if (this.#src[this.#pos] === '$') {
      anchoredEnd = true;
      this.#pos++;
    }
    if (this.#pos < this.#src.length) throw this.#fail(`unexpected ${JSON.stringify(this.#src[this.#pos])}`);
    return `${anchoredStart ? '' : 'char* '}( ${body} )${anchoredEnd ? '' : ' char*'}`;
  }

  #fail(what: string): FathomError {
    return unsupported(`pattern ${JSON.stringify(this.#src)} (${what} at ${this.#pos})`, this.#path);
  }

  #alternation(): string {
    const parts = [this.#sequence()];
    while (this.#src[this.#pos] === '|') {
      this.#pos++;
      parts.push(this.#sequence());
    }
    return parts.join(' | ');
  }

  #sequence(): string {
    const items: string[] = [];
    for (;;) {
      const c = this.#src[this.#pos];
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '$' && this.#pos === this.#src.length - 1) break;
      let atom: string;
      if (c === '(') {
        this.#pos++;
        if (this.#src.startsWith('?:', this.#pos)) this.#pos += 2;
        else if (this.#src[this.#pos] === '?') throw this.#fail('lookaround or named groups');
        atom = `( ${this.#alternation()} )`;
        if (this.#src[this.#pos] !== ')') throw this.#fail("a missing ')'");
        this.#pos++;
      } else if (c === '[') {
        atom = this.#class();
      } else if (c === '.') {
        this.#pos++;
        atom = jsonStringChars(complement(LINE_TERMINATORS))!;
      } else if (c === '\\') {
        atom = this.#escape();
      } else if (c === '^' || c === '$') {
        throw this.#fail('an anchor inside the pattern');
      } else if ('*+?{'.includes(c)) {
        throw this.#fail('a quantifier with nothing to repeat');
      } else {
        const ch = String.fromCodePoint(this.#src.codePointAt(this.#pos)!);
        this.#pos += ch.length;
        atom = gbnfLiteral(JSON.stringify(ch).slice(1, -1));
      }
      items.push(this.#quantified(atom));
    }
    return items.length ? items.join(' ') : '""';
  }

  // Repetitions without an upper bound are capped (UNBOUNDED_PATTERN_EXTRA past their minimum): the grammar
  // then produces a subset of what the pattern matches, and a model cannot loop in `\d+` forever.
  #quantified(atom: string): string {
    const c = this.#src[this.#pos];
    let q = '';
    if (c === '*' || c === '+' || c === '?') {
      this.#pos++;
      q = c === '?' ? '?' : `{${c === '+' ? 1 : 0},${(c === '+' ? 1 : 0) + UNBOUNDED_PATTERN_EXTRA}}`;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#pos));
      if (!m) throw this.#fail('a malformed {m,n}');
      this.#pos += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] ? Number(m[3]) : min + UNBOUNDED_PATTERN_EXTRA;
      if (max > MAX_PATTERN_REPEAT) throw this.#fail(`a repetition above ${MAX_PATTERN_REPEAT}`);
      q = min === max ? `{${min}}` : `{${min},${max}}`;
    }
    if (q && this.#src[this.#pos] === '?') this.#pos++; // lazy quantifiers match the same strings
    return q ? `( ${atom} )${q}` : atom;
  }

  // A class as the code points it matches, written as JSON writes them.
  #class(): string {
    const at = this.#pos;
    this.#pos++;
    const negated = this.#src[this.#pos] === '^';
    if (negated) this.#pos++;
    const members: Ranges = [];
    while (this.#src[this.#pos] !== ']') {
      if (this.#pos >= this.#src.length) throw this.#fail("a missing ']'");
      const first = this.#classMember();
      if (this.#src[this.#pos] === '-' && this.#src[this.#pos + 1] !== ']' && typeof first === 'number') {
        this.#pos++;
        const last = this.#classMember();
        if (typeof last !== 'number' || last < first) throw this.#fail('a character range that is not from low to high');
        members.push([first, last]);
      } else if (typeof first === 'number') {
        members.push([first, first]);
      } else {
        members.push(...first);
      }
    }
    this.#pos++;
    const chars = jsonStringChars(negated ? complement(members) : normalize(members));
    if (!chars) throw this.#fail(`a class no string character satisfies (at ${at})`);
    return chars;
  }

  // One class member: a code point, or the ranges of a class escape (\d \w \s and their negations).
  #classMember(): number | Ranges {
    if (this.#src[this.#pos] !== '\\') {
      const cp = this.#src.codePointAt(this.#pos)!;
      this.#pos += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const e = this.#src[this.#pos + 1];
    if (e === undefined) throw this.#fail('an unfinished escape');
    this.#pos += 2;
    const set = CLASS_ESCAPES[e];
    if (set) return set;
    if (CHAR_ESCAPES[e] !== undefined) return CHAR_ESCAPES[e]!;
    if (/[a-zA-Z0-9]/.test(e)) throw this.#fail(`the escape \\${e}`);
    return e.codePointAt(0)!;
  }

  #escape(): string {
    const member = this.#classMember();
    if (typeof member !== 'number') return jsonStringChars(member) ?? '""';
    return jsonStringChars([[member, member]])!;
  }
}

type Ranges = Array<[number, number]>;

const DIGITS: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// What JavaScript's \s matches.
const SPACES: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Ranges = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const CLASS_ESCAPES: Record<string, Ranges> = {
  d: DIGITS,
  D: complement(DIGITS),
  w: WORD,
  W: complement(WORD),
  s: SPACES,
  S: complement(SPACES),
};
const CHAR_ESCAPES: Record<string, number> = { t: 0x09, n: 0x0a, r: 0x0d, f: 0x0c, v: 0x0b, 0: 0 };

function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = Math.max(next, b + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const gbnfCodePoint = (cp: number): string => (cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`);

// GBNF for one character of a JSON string that is any of `ranges`: the ones JSON writes as themselves
// in a class, and ", \\, tab, newline and return as their escapes. null when there is none.
function jsonStringChars(ranges: Ranges): string | null {
  const set = normalize(ranges);
  const has = (cp: number): boolean => set.some(([a, b]) => a <= cp && cp <= b);
  const plain = normalize(complement([...complement(set), [0x00, 0x1f], [0x22, 0x22], [0x5c, 0x5c], [0x7f, 0x7f]]));
  const parts: string[] = [];
  if (plain.length) parts.push(`[${plain.map(([a, b]) => (a === b ? gbnfCodePoint(a) : `${gbnfCodePoint(a)}-${gbnfCodePoint(b)}`)).join('')}]`);
  for (const [cp, escape] of [
    [0x22, '"\\\\\\""'],
    [0x5c, '"\\\\\\\\"'],
    [0x09, '"\\\\t"'],
    [0x0a, '"\\\\n"'],
    [0x0d, '"\\\\r"'],
  ] as const) {
    if (has(cp)) parts.push(escape);
  }
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `( ${parts.join(' | ')} )`;
}

/** The GBNF for a JSON Schema; INVALID_ARGUMENT names a keyword it cannot enforce. */
export function jsonSchemaToGbnf(schema: JsonSchema): string {
  return new Converter(schema).convert();
}

/**
 * Rules for several schemas in one grammar (a tool's arguments each, or each of its parameters):
 * `add` gives the rule for a schema, `rules` is the GBNF of all of them and of the JSON rules they
 * use. The caller writes `root` and its own rules, whose names it reserves first.
 */
export class SchemaRules {
  readonly #converter = new Converter(true);
  readonly #compact: boolean;

  /** `compact`: whitespace between JSON tokens is at most one space (how models write a call's arguments). */
  constructor(options: { reserved?: readonly string[]; compact?: boolean } = {}) {
    for (const name of options.reserved ?? []) this.#converter.reserve(name);
    this.#compact = options.compact ?? false;
  }

  /** The name of the rule for `schema` (made from `hint`); INVALID_ARGUMENT names a keyword it cannot enforce. */
  add(hint: string, schema: JsonSchema): string {
    return this.#converter.add(hint, schema);
  }

  get rules(): string {
    const rules = this.#converter.rules;
    return this.#compact ? rules.replace(/^ws ::= .*$/m, 'ws ::= | " "') : rules;
  }
}
