// Public entry point of fathom-llm.
import './async-dispose.js';
import type { GgufInfo } from './gguf/gguf-info.js';
import { readGguf } from './gguf/read-gguf.js';

export { FATHOM_ERROR_CODES, FathomError, type FathomErrorCode } from './errors.js';
export type { GgufInfo, GgufTensorInfo, GgufValue } from './gguf/gguf-info.js';
export {
  loadModel,
  Model,
  type ApplyChatTemplateOptions,
  type ChatOptions,
  type LoadModelOptions,
  type ParseAssistantMessageOptions,
  type VocabularyInfo,
} from './model.js';
export { getBuildInfo, getDevices, type Device, type GpuLayers } from './devices.js';
export type { BuildInfo } from './native/contract.js';
export { Context, type ContextOptions, type ContextStats } from './context.js';
export { Chat, type ChatEvent, type ChatFinishReason, type ChatReply, type ChatSettings, type ChatTurnOptions, type ToolResult } from './chat.js';
export {
  tool,
  type AnyTool,
  type AssistantMessage,
  type Tool,
  type ToolCall,
  type ToolChoice,
  type ToolHandlerContext,
  type ToolSet,
} from './tools/tool-call.js';
export { CHATML_TEMPLATE, type ChatMessage, type RenderOptions } from './chat-template.js';
export { ControlVector, type ControlVectorOptions } from './control-vector.js';
export type { DeriveOptions } from './control-vector-derivation.js';
export type { Inspection, InspectOptions, LensOptions } from './inspection.js';
export { cosineSimilarity, type EmbedOptions, type Embedding, type Pooling } from './embedding.js';
export type { TextReportOptions } from './report/text-report.js';
export type { PerplexityOptions, PerplexityResult, ScoreOptions, ScoreResult } from './scoring.js';
export type { CompletionResult, FinishReason, GenerationChunk, JsonCompletionResult, TokenLogprob } from './generation.js';
export { Grammar, JsonGrammar, type GrammarOptions, type JsonValue } from './grammar/grammar.js';
export type { JsonSchema } from './grammar/json-schema.js';
export type { Prompt, TokenAlternative } from './prompt.js';
export type { ModelShape } from './evaluator.js';
export { loadTokenizer, Tokenizer, type DetokenizeOptions, type TokenizeOptions } from './tokenizer/tokenizer.js';
export type { TokenizerKind, Vocabulary } from './tokenizer/vocabulary.js';
export type { DryOptions, GenerateOptions, LogitBias, XtcOptions } from './sampling-options.js';

/** Reads a GGUF file's metadata and tensor list without loading weights. */
export function inspectGguf(path: string): Promise<GgufInfo> {
  return readGguf(path);
}
export { quantizeFile, type QuantizeReport } from './quantize/quantize-file.js';
