// gpt-oss's Harmony: the reply is a run of messages, each a header and a body,
//   <|channel|>analysis<|message|>reasoning<|end|>
//   <|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris"}<|call|>
//   <|start|>assistant<|channel|>final<|message|>the answer
// The recipient (to=functions.NAME) may also follow the channel. Analysis is reasoning; final and
// commentary without a recipient are content.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { firstIndex, shownLength } from './markers.js';
import { asObject, readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ToolSyntax } from './tool-syntax.js';

const START = '<|start|>';
const MESSAGE = '<|message|>';
const ENDS = ['<|end|>', '<|call|>', '<|return|>'];
const MARKERS = [START, MESSAGE, '<|channel|>', ...ENDS];
const RECIPIENT = /\bto=([^\s<]+)/g;
const FUNCTION = 'functions.';

export class HarmonySyntax implements ToolSyntax {
  readonly name = 'harmony';
  readonly reasoning = null;

  parse(text: string, state: ParseState): AssistantMessage {
    const out: AssistantMessage = { content: '', reasoning: '', toolCalls: [] };
    const content: string[] = [];
    const reasoning: string[] = [];
    let at = 0;
    while (at < text.length) {
      if (text.startsWith(START, at)) at += START.length;
      const bodyAt = text.indexOf(MESSAGE, at);
      if (bodyAt < 0) break; // a header still being written
      const header = text.slice(at, bodyAt);
      const endAt = firstIndex(text, ENDS, bodyAt);
      const ended = endAt >= 0;
      let body = text.slice(bodyAt + MESSAGE.length, ended ? endAt : text.length);
      if (!ended && state.partial) body = body.slice(0, shownLength(body, MARKERS));
      // A message to the assistant or the user has no recipient to speak of.
      const recipient = [...header.matchAll(RECIPIENT)].map((m) => m[1]!).find((r) => r !== 'assistant' && r !== 'user');
      if (recipient && !recipient.startsWith(FUNCTION)) {
        // A built-in tool's message (to=python, to=browser.search): not content, and not a call of ours.
      } else if (recipient) {
        if (state.partial && !ended) break;
        const json = readJson(body, 0);
        const args = json && asObject(json.value);
        // A body that is not a call's JSON is kept as content (a grammar-made call always reads).
        if (args) out.toolCalls.push({ name: recipient.slice(FUNCTION.length), arguments: args as ToolCall['arguments'] });
        else content.push(body);
      } else if (/<\|channel\|>\s*analysis/.test(header.slice(header.lastIndexOf('<|channel|>')))) reasoning.push(body);
      else content.push(body);
      if (!ended) break;
      at = endAt + ENDS.find((e) => text.startsWith(e, endAt))!.length;
    }
    if (at === 0 && !text.includes(MESSAGE) && !state.partial && !text.includes('<|channel|>')) content.push(text); // plain text, no headers
    out.content = content.join('').trim();
    out.reasoning = reasoning.join('').trim();
    return out;
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(
      tools.map((tool) => `${gbnfLiteral(`${tool.name}<|channel|>commentary json<|message|>`)} ${schemas.add(`${tool.name}-args`, tool.parameters)}`),
    );
    const one = `"to=functions." ${call}`;
    return {
      rules: `Calls ::= ${repeated(one, parallel, gbnfLiteral('<|call|><|start|>assistant '))}\n`,
      triggers: ['to=functions.'],
      // Forced from the first token: the call is the first message (the analysis channel is left out, as
      // other families' reasoning is when the prompt does not open it).
      forced: '" " Calls',
    };
  }
}
