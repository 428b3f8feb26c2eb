// Which family's syntax a chat template speaks, told from the markers in its source (llama.cpp
// tells its specialised formats apart the same way).
import { CommandRSyntax } from './syntax/command-r.js';
import { DeepSeekSyntax } from './syntax/deepseek.js';
import { DsmlSyntax } from './syntax/dsml.js';
import { FunctionarySyntax } from './syntax/functionary.js';
import { FunctionaryV32Syntax } from './syntax/functionary-v3.2.js';
import { Gemma4Syntax } from './syntax/gemma4.js';
import { GlmSyntax } from './syntax/glm.js';
import { KimiSyntax } from './syntax/kimi.js';
import { Lfm2Syntax } from './syntax/lfm2.js';
import { GenericSyntax } from './syntax/generic.js';
import { HarmonySyntax } from './syntax/harmony.js';
import { HermesSyntax } from './syntax/hermes.js';
import { Llama3Syntax } from './syntax/llama3.js';
import { JsonListSyntax } from './syntax/json-list.js';
import { MiniMaxSyntax } from './syntax/minimax.js';
import { MistralArgsSyntax } from './syntax/mistral.js';
import { Qwen3CoderSyntax } from './syntax/qwen3-coder.js';
import type { ReasoningMarkers, ToolSyntax } from './syntax/tool-syntax.js';

const REASONING: readonly ReasoningMarkers[] = [
  { start: '<mm:think>', end: '</mm:think>' },
  { start: '<think>', end: '</think>' },
  { start: '[THINK]', end: '[/THINK]' },
  { start: '<|START_THINKING|>', end: '<|END_THINKING|>' },
  { start: '<seed:think>', end: '</seed:think>' },
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
  if (has(']<]minimax[>[', '<invoke name=')) return new MiniMaxSyntax(reasoning);
  if (has('<|tool_calls_section_begin|>', '<|tool_call_begin|>')) return new KimiSyntax(reasoning);
  if (has('<|START_ACTION|>', '<|START_RESPONSE|>')) return new CommandRSyntax();
  if (has('<arg_key>', '<arg_value>')) return new GlmSyntax(reasoning);
  if (has('dsml_token', 'DSML')) return new DsmlSyntax(reasoning, has("'tool_calls>") ? 'tool_calls' : 'function_calls');
  if (has("'<|tool_call>call:'")) return new Gemma4Syntax();
  if (has('<|tool_list_start|>') || has('List of tools: [')) return new Lfm2Syntax(reasoning);
  if (has('>>>all')) return new FunctionaryV32Syntax();
  if (has('[TOOL_CALLS]', '[ARGS]')) return new MistralArgsSyntax(reasoning, has('[CALL_ID]'));
  if (has('[TOOL_CALLS]')) return new JsonListSyntax('mistral-nemo', '[TOOL_CALLS]', { ids: true });
  if (has('<|tool_call|>')) return new JsonListSyntax('granite', '<|tool_call|>', { reasoning });
  if (has('functools[')) return new JsonListSyntax('firefunction', 'functools');
  if (has('<tool_call>', '<function=', '<parameter=')) return new Qwen3CoderSyntax(reasoning);
  if (has('<seed:tool_call>', '<function=')) return new Qwen3CoderSyntax(reasoning, 'seed:tool_call');
  if (has('<TOOLCALL>')) return new JsonListSyntax('nemotron', '<TOOLCALL>', { closer: '</TOOLCALL>', reasoning });
  if (has('<tool_calls>[')) return new JsonListSyntax('apriel', '<tool_calls>', { closer: '</tool_calls>', reasoning });
  if (has('tool▁calls▁begin')) return new DeepSeekSyntax(reasoning, has("'```json'"));
  if (has('<tool_call>')) return new HermesSyntax(reasoning);
  if (has('<function=', '</function>')) return new FunctionarySyntax();
  if (has('<|python_tag|>') || has('"parameters": dictionary of argument name')) return new Llama3Syntax();
  return new GenericSyntax(reasoning);
}
