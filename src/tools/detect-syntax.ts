// Which family's syntax a chat template speaks, told from the markers in its source (llama.cpp
// tells its specialised formats apart the same way).
import { DeepSeekSyntax } from './syntax/deepseek.js';
import { GenericSyntax } from './syntax/generic.js';
import { HarmonySyntax } from './syntax/harmony.js';
import { HermesSyntax } from './syntax/hermes.js';
import { Llama3Syntax } from './syntax/llama3.js';
import { MistralArgsSyntax, MistralNemoSyntax } from './syntax/mistral.js';
import { Qwen3CoderSyntax } from './syntax/qwen3-coder.js';
import type { ReasoningMarkers, ToolSyntax } from './syntax/tool-syntax.js';

const REASONING: readonly ReasoningMarkers[] = [
  { start: '<think>', end: '</think>' },
  { start: '[THINK]', end: '[/THINK]' },
  { start: '<|START_THINKING|>', end: '<|END_THINKING|>' },
];

/** The reasoning markers a template writes or expects, if any. */
export function reasoningMarkers(source: string): ReasoningMarkers | null {
  return REASONING.find((m) => source.includes(m.end)) ?? null;
}

/** The syntax of `source`'s family; the generic JSON syntax when it shows no known one. */
export function detectToolSyntax(source: string): ToolSyntax {
  const has = (...words: string[]) => words.every((w) => source.includes(w));
  const reasoning = reasoningMarkers(source);
  if (has('<|channel|>', '<|message|>')) return new HarmonySyntax();
  if (has('[TOOL_CALLS]', '[ARGS]')) return new MistralArgsSyntax(reasoning, has('[CALL_ID]'));
  if (has('[TOOL_CALLS]')) return new MistralNemoSyntax();
  if (has('<tool_call>', '<function=', '<parameter=')) return new Qwen3CoderSyntax(reasoning);
  if (has('tool▁calls▁begin')) return new DeepSeekSyntax(reasoning, has("'```json'"));
  if (has('<tool_call>')) return new HermesSyntax(reasoning);
  if (has('<|python_tag|>') || has('"parameters": dictionary of argument name')) return new Llama3Syntax();
  return new GenericSyntax(reasoning);
}
