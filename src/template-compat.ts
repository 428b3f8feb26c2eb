// Chat templates are written for Python's Jinja (transformers renders them), and @huggingface/jinja
// is stricter in a few places real templates rely on. While one of our renders runs (synchronously,
// alongside the budget's hooks), these behave as in Python's Jinja:
//   - a for loop over an undefined value (`tools` when none are given) runs zero times;
//   - filters on an undefined value see '' (trim, length, string, ...) or an empty list (selectattr, ...);
//   - a tuple is a list (`for a, b in [("x", "y")]` unpacks it); a mapping literal may have number keys;
//   - `string` of a list or mapping is Python's repr; `min` and `max` filters;
//   - list.append / pop / extend / insert / index / count, and str.format with {} / {0} / {name}.
// @huggingface/jinja exports no value classes, so they are taken from values it makes.
import { Environment, Interpreter } from '@huggingface/jinja';

interface Value {
  type: string;
  value: unknown;
  builtins?: Map<string, unknown>;
}
type Make = new (value: unknown) => Value;
interface Node {
  type: string;
  value: unknown;
  numberKey?: boolean;
}
type Hooked = Record<string, (this: unknown, ...args: never[]) => unknown>;

const declare = Environment.prototype.set as (this: Environment, name: string, value: unknown) => Value;
/** A JS value as the library's runtime value. */
const runtime = (value: unknown): Value => declare.call(new Environment(), 'value', value);
const [StringValue, ArrayValue, FunctionValue] = ['', [], () => null].map((v) => runtime(v).constructor as Make) as [Make, Make, Make];

// Filters that Python's Jinja applies to an undefined value as to '' (its str) or to an empty list
// (iterating it); any other filter (default, tojson, ...) sees the undefined value as it is.
const UNDEFINED_AS_TEXT = new Set([
  'trim',
  'length',
  'count',
  'lower',
  'upper',
  'title',
  'capitalize',
  'string',
  'replace',
  'indent',
  'wordcount',
  'striptags',
  'e',
  'escape',
]);
const UNDEFINED_AS_LIST = new Set(['selectattr', 'rejectattr', 'select', 'reject', 'map', 'list', 'first', 'last', 'join', 'sort', 'unique', 'items']);

/** Installs the Python-Jinja behaviours; the function returned takes them out again. */
export function installTemplateCompat(): () => void {
  const interpreter = Interpreter.prototype as unknown as Hooked;
  const arrays = ArrayValue.prototype as object;
  const strings = StringValue.prototype as object;
  const saved = { evaluate: interpreter.evaluate!, evaluateFor: interpreter.evaluateFor!, applyFilter: interpreter.applyFilter! };
  const arrayBuiltins = Object.getOwnPropertyDescriptor(arrays, 'builtins')!;
  const stringBuiltins = Object.getOwnPropertyDescriptor(strings, 'builtins')!;

  let forIterable = false;
  interpreter.evaluateFor = function (this: unknown, ...args: never[]) {
    forIterable = true; // the first value a for statement evaluates is its iterable
    return saved.evaluateFor.apply(this, args);
  };
  interpreter.evaluate = function (this: unknown, ...args: never[]) {
    const iterable = forIterable;
    forIterable = false;
    const node = args[0] as unknown as Node;
    if (node?.type === 'ObjectLiteral') numberKeysAsKeys(node.value as Map<Node, unknown>);
    const result = saved.evaluate.apply(this, args) as Value | undefined;
    if (iterable && result?.type === 'UndefinedValue') return new ArrayValue([]);
    if (result?.type === 'TupleValue') return new ArrayValue(result.value);
    if (result?.type === 'StringValue' && typeof result.value === 'number' && !node.numberKey) return runtime(result.value);
    return result;
  };
  interpreter.applyFilter = function (this: unknown, ...args: never[]) {
    const [operand, filter] = args as unknown as [Value, { type: string; value?: string; callee?: { value?: string } }];
    const name = filter.type === 'Identifier' ? filter.value : filter.callee?.value;
    const rest = args.slice(1);
    const asList = name !== undefined && UNDEFINED_AS_LIST.has(name);
    if ((operand.type === 'UndefinedValue' && (asList || (name !== undefined && UNDEFINED_AS_TEXT.has(name)))) || (operand.type === 'NullValue' && asList)) {
      return saved.applyFilter.apply(this, [asList ? new ArrayValue([]) : new StringValue(''), ...rest] as never[]);
    }
    if (name === 'string' && (operand.type === 'ArrayValue' || operand.type === 'ObjectValue')) return new StringValue(pythonRepr(toJs(operand)));
    if (name === 'dictsort' && operand.type === 'ObjectValue' && [...(operand.value as Map<unknown, Value>).keys()].some((k) => typeof k === 'number')) {
      // Number keys sort as numbers (the library's dictsort lower-cases its keys as strings).
      const entries = [...(operand.value as Map<number | string, Value>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new ArrayValue(entries.map(([k, v]) => new ArrayValue([runtime(k), v])));
    }
    if ((name === 'min' || name === 'max') && operand.type === 'ArrayValue') {
      const items = operand.value as Value[];
      if (items.length === 0) return runtime(undefined);
      return items.reduce((best, v) =>
        (name === 'min' ? (v.value as number) < (best.value as number) : (v.value as number) > (best.value as number)) ? v : best,
      );
    }
    return saved.applyFilter.apply(this, args);
  };
  Object.defineProperty(arrays, 'builtins', {
    configurable: true,
    get(this: Value) {
      const map = arrayBuiltins.get!.call(this) as Map<string, unknown>;
      if (!map.has('append')) for (const [key, fn] of listMethods(this)) map.set(key, fn);
      map.set('length', runtime((this.value as unknown[]).length)); // the library caches it; append() changes it
      return map;
    },
  });
  Object.defineProperty(strings, 'builtins', {
    configurable: true,
    get(this: Value) {
      const map = stringBuiltins.get!.call(this) as Map<string, unknown>;
      if (!map.has('format')) map.set('format', new FunctionValue((args: Value[]) => new StringValue(pythonFormat(this.value as string, args))));
      return map;
    },
  });
  return () => {
    Object.assign(interpreter, saved);
    Object.defineProperty(arrays, 'builtins', arrayBuiltins);
    Object.defineProperty(strings, 'builtins', stringBuiltins);
  };
}

// The library's mappings take only string keys. A literal's number keys stay numbers: the key node
// becomes a string literal holding the number (a string value passes the key check, and the Map
// keeps the number), and that value, read back anywhere else (dictsort's keys), is a number again.
function numberKeysAsKeys(entries: Map<Node, unknown>): void {
  for (const key of [...entries.keys()]) {
    if (key.type === 'IntegerLiteral' || key.type === 'FloatLiteral') Object.assign(key, { type: 'StringLiteral', numberKey: true });
  }
}

// Python's list methods that change the list in place (Jinja templates use them through namespaces).
function listMethods(list: Value): [string, Value][] {
  const items = list.value as Value[];
  const fn = (f: (args: Value[]) => Value) => new FunctionValue(f);
  const none = () => runtime(null);
  return [
    ['append', fn(([v]) => (items.push(v!), none()))],
    ['extend', fn(([v]) => (items.push(...((v?.value as Value[]) ?? [])), none()))],
    ['insert', fn(([at, v]) => (items.splice(at!.value as number, 0, v!), none()))],
    ['pop', fn(([at]) => (at === undefined ? items.pop() : items.splice(at.value as number, 1)[0]) ?? none())],
    ['index', fn(([v]) => runtime(items.findIndex((x) => x.value === v!.value)))],
    ['count', fn(([v]) => runtime(items.filter((x) => x.value === v!.value).length))],
  ];
}

function toJs(v: Value): unknown {
  if (v.type === 'ArrayValue' || v.type === 'TupleValue') return (v.value as Value[]).map(toJs);
  if (v.type === 'ObjectValue' || v.type === 'KeywordArgumentsValue') return new Map([...(v.value as Map<string, Value>)].map(([k, x]) => [k, toJs(x)]));
  if (v.type === 'UndefinedValue' || v.type === 'NullValue') return null;
  return v.value;
}

// str() of a Python value: dicts and lists with repr'd items, True/False/None.
function pythonRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return String(value);
}

// str.format: {} and {0} take positional arguments, {name} keyword ones; {{ and }} are braces.
function pythonFormat(template: string, args: Value[]): string {
  const last = args.at(-1);
  const keywords = last?.type === 'KeywordArgumentsValue' ? (last.value as Map<string, Value>) : null;
  const positional = keywords ? args.slice(0, -1) : args;
  let next = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = field ?? '';
    const value = key === '' ? positional[next++] : /^\d+$/.test(key) ? positional[Number(key)] : keywords?.get(key);
    if (value === undefined) throw new Error(`str.format: no value for {${key}}`);
    const js = toJs(value);
    return typeof js === 'string' ? js : pythonRepr(js);
  });
}
