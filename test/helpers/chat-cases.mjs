// Reads llama.cpp's chat parser cases out of tests/test-chat.cpp (from the bundle, at test time):
// each `tst.test(input).tools({...}).enable_thinking(...).expect(...).run();` chain of a
// peg_tester("models/templates/X.jinja") block, with the tools and messages the file defines.
// A case whose parts are not plain data (a local variable, a C++ call we do not know) reads as
// null, and is counted as skipped.
import { CppReader } from './cpp-cases.mjs';

class ExprReader extends CppReader {
  // An expression: literals (adjacent or joined with +), identifiers, calls, brace lists, numbers, booleans.
  expr() {
    let value = this.primary();
    for (;;) {
      this.skip();
      if (this.s[this.pos] !== '+') return value;
      this.pos++;
      const right = this.primary();
      value = typeof value === 'string' && typeof right === 'string' ? value + right : { unknown: true };
    }
  }

  primary() {
    this.skip();
    const c = this.s[this.pos];
    if (c === '{') {
      this.pos++;
      const items = [];
      for (;;) {
        this.skip();
        if (this.s[this.pos] === '}') break;
        items.push(this.expr());
        this.skip();
        if (this.s[this.pos] === ',') this.pos++;
      }
      this.pos++;
      return { list: items };
    }
    const text = this.literal();
    if (text !== null) {
      let out = text;
      for (let next = this.literal(); next !== null; next = this.literal()) out += next;
      return out;
    }
    const m = /^[A-Za-z_][\w:]*|^-?\d+/.exec(this.s.slice(this.pos, this.pos + 200));
    if (!m) throw new Error(`cannot read C++ at ${this.s.slice(this.pos, this.pos + 40)}`);
    this.pos += m[0].length;
    if (/^-?\d/.test(m[0])) return Number(m[0]);
    if (m[0] === 'true' || m[0] === 'false') return m[0] === 'true';
    this.skip();
    if (this.s[this.pos] !== '(') return { id: m[0] };
    this.pos++;
    const args = [];
    for (;;) {
      this.skip();
      if (this.s[this.pos] === ')') break;
      args.push(this.expr());
      this.skip();
      if (this.s[this.pos] === ',') this.pos++;
    }
    this.pos++;
    return { call: m[0], args };
  }
}

const call = (name, args, id = '') => ({ name, arguments: args, id });
const MESSAGE_BUILDERS = {
  simple_assist_msg: (content, reasoning = '', name = '', args = '', id = '') => ({
    content,
    reasoning,
    toolCalls: name || id ? [call(name, args, id)] : [],
  }),
  message_with_tool_calls: (name, args) => MESSAGE_BUILDERS.simple_assist_msg('', '', name, args),
  message_with_tool_calls_and_reasoning: (name, args, reasoning) => MESSAGE_BUILDERS.simple_assist_msg('', reasoning, name, args),
  message_with_content_and_tool_call: (content, name, args) => MESSAGE_BUILDERS.simple_assist_msg(content, '', name, args),
  message_with_reasoning_and_tool_call: (reasoning, name, args) => MESSAGE_BUILDERS.simple_assist_msg('', reasoning, name, args),
  message_with_reasoning_content_and_multiple_tool_calls: (reasoning, content, calls) => ({
    content,
    reasoning,
    toolCalls: calls.list.map(({ list: [name, args] }) => call(name, args)),
  }),
};

// The source with its comments blanked out (commented-out cases are not cases), strings kept.
function withoutComments(source) {
  let out = '';
  for (let i = 0; i < source.length;) {
    const raw = /^R"([^(]*)\(/.exec(source.slice(i, i + 20));
    if (raw) {
      const end = source.indexOf(`)${raw[1]}"`, i) + raw[1].length + 2;
      out += source.slice(i, end);
      i = end;
    } else if (source[i] === '"' || source[i] === "'") {
      let j = i + 1;
      while (source[j] !== source[i]) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (source.startsWith('//', i)) {
      i = source.indexOf('\n', i);
    } else if (source.startsWith('/*', i)) {
      i = source.indexOf('*/', i) + 2;
    } else out += source[i++];
  }
  return out;
}

/** Every parser case of test-chat.cpp: { template, input, tools, variables, reasoningFormat, expect, skip? }. */
export function chatParserCases(commented) {
  const source = withoutComments(commented);
  const tools = new Map();
  for (const m of source.matchAll(/static common_chat_tool (\w+)\{/g)) {
    const reader = new ExprReader(source, m.index + m[0].length - 1);
    const { list } = reader.primary();
    if (list?.length === 3 && list.every((v) => typeof v === 'string'))
      tools.set(m[1], { name: list[0], description: list[1], parameters: JSON.parse(list[2]) });
  }
  const messages = new Map();
  const evalMessage = (node) => {
    if (node?.id) return messages.get(node.id) ?? null;
    const build = MESSAGE_BUILDERS[node?.call];
    if (!build || !node.args.every((a) => typeof a === 'string' || a?.list)) return null;
    return build(...node.args);
  };
  for (const m of source.matchAll(/const common_chat_msg (\w+)\s*=/g)) {
    const value = evalMessage(new ExprReader(source, m.index + m[0].length).expr());
    if (value) messages.set(m[1], value);
  }

  const cases = [];
  const testers = [...source.matchAll(/auto (\w+)\s*=\s*peg_tester\(([^,)]+)/g)];
  testers.forEach((m, i) => {
    const end = testers[i + 1]?.index ?? source.length;
    const arg = m[2].trim();
    const templates = arg.startsWith('"') ? [new ExprReader(arg, 0).primary()] : (loopValues(source, m.index, arg) ?? parameterValues(source, m.index, arg));
    if (!templates) return;
    const body = source.slice(m.index, end);
    for (const t of body.matchAll(new RegExp(`\\b${m[1]}\\.test\\(`, 'g'))) {
      const reader = new ExprReader(body, t.index + t[0].length);
      const input = reader.expr();
      reader.skip();
      reader.pos++; // the closing parenthesis
      const chain = [{ call: 'test', args: [input] }];
      for (;;) {
        reader.skip();
        if (body[reader.pos] !== '.') break;
        reader.pos++;
        chain.push(reader.primary());
      }
      for (const template of templates) cases.push({ template: template.replace(/^models\/templates\//, ''), ...readChain(chain, tools, evalMessage) });
    }
  });
  return cases;
}

// for (const auto & path : { "a.jinja", "b.jinja" }) … peg_tester(path): the loop's values, or null.
function loopValues(source, at, name) {
  const from = Math.max(0, at - 600);
  const loop = [...source.slice(from, at).matchAll(new RegExp(`for \\((?:const auto &|const char \\*) ${name}\\s*:\\s*\\{`, 'g'))].pop();
  if (!loop) return null;
  return new ExprReader(source, from + loop.index + loop[0].length - 1).primary().list;
}

// static void test_x(const std::string & template_path, …) { peg_tester(template_path) … }: the
// templates it is called with, directly or from a loop.
function parameterValues(source, at, name) {
  const fn = [...source.slice(0, at).matchAll(new RegExp(`static void (\\w+)\\(const std::string & ${name}\\b`, 'g'))].pop()?.[1];
  if (!fn) return null;
  const values = [];
  for (const call of source.matchAll(new RegExp(`(?<!void )\\b${fn}\\(([^,)]+)`, 'g'))) {
    const first = call[1].trim();
    if (first.startsWith('"')) values.push(new ExprReader(first, 0).primary());
    else values.push(...(loopValues(source, call.index, first) ?? []));
  }
  return values.length ? values : null;
}

function readChain(chain, tools, evalMessage) {
  const out = { input: null, tools: [], variables: {}, reasoningFormat: 'NONE', expect: { content: '', reasoning: '', toolCalls: [] }, skip: null };
  const skip = (why) => (out.skip ??= why);
  for (const { call: method, args } of chain) {
    const [arg] = args ?? [];
    switch (method) {
      case 'test':
        if (typeof arg === 'string') out.input = arg;
        else skip('input is not a literal');
        break;
      case 'tools':
        for (const t of arg?.list ?? []) {
          if (tools.has(t.id)) out.tools.push(tools.get(t.id));
          else skip(`tool ${t.id ?? '?'} not read`);
        }
        break;
      case 'enable_thinking':
        out.variables.enable_thinking = arg;
        break;
      case 'reasoning_format':
        out.reasoningFormat = String(arg?.id).replace('COMMON_REASONING_FORMAT_', '');
        break;
      case 'expect': {
        const message = evalMessage(arg);
        if (message) out.expect = structuredClone(message);
        else skip('expected message not read');
        break;
      }
      case 'expect_content':
        if (typeof arg === 'string') out.expect.content = arg;
        else skip('expected content not a literal');
        break;
      case 'expect_reasoning':
        if (typeof arg === 'string') out.expect.reasoning = arg;
        else skip('expected reasoning not a literal');
        break;
      case 'expect_tool_calls':
        out.expect.toolCalls = (arg?.list ?? []).map(({ list }) => ({
          name: list?.[0],
          arguments: list?.[1],
          id: typeof list?.[2] === 'string' ? list[2] : '',
        }));
        if (!out.expect.toolCalls.every((c) => typeof c.name === 'string' && typeof c.arguments === 'string')) skip('expected calls not read');
        break;
      case 'is_partial':
        if (arg) skip('a partial (streaming) parse');
        break;
      case 'messages':
      case 'continue_final_message':
        skip('continues a prefilled message');
        break;
      case 'add_generation_prompt':
        if (!arg) skip('no generation prompt');
        break;
      case 'json_schema':
        skip('a response JSON schema');
        break;
      case 'tool_choice':
        skip('a tool choice');
        break;
      case 'parallel_tool_calls':
      case 'expect_reconstruction':
      case 'run':
        break;
      default:
        skip(`unknown builder .${method}()`);
    }
  }
  return out;
}
