// Reads a reply as it streams: after each piece of text, the new reasoning and the new content
// (call markup never shows as either), and at the end the whole message with its calls.
import type { AssistantMessage } from './tool-call.js';
import type { ParseState, ToolSyntax } from './syntax/tool-syntax.js';

export class ReplyReader {
  readonly #syntax: ToolSyntax;
  readonly #state: ParseState;
  #text = '';
  #reasoning = '';
  #content = '';

  constructor(syntax: ToolSyntax, state: Omit<ParseState, 'partial'>) {
    this.#syntax = syntax;
    this.#state = { ...state, partial: true };
  }

  /** What `text` added to the reasoning and the content shown so far. */
  push(text: string): { reasoning: string; content: string } {
    this.#text += text;
    const now = this.#syntax.parse(this.#text, this.#state);
    return { reasoning: this.#advance('reasoning', now.reasoning), content: this.#advance('content', now.content) };
  }

  /** The whole message once the reply ended, and the reasoning and content not shown yet. */
  finish(): { message: AssistantMessage; reasoning: string; content: string } {
    const message = this.#syntax.parse(this.#text, { ...this.#state, partial: false });
    return { message, reasoning: this.#advance('reasoning', message.reasoning), content: this.#advance('content', message.content) };
  }

  get text(): string {
    return this.#text;
  }

  // Shown text only grows: a reading that no longer extends it waits for the final one.
  #advance(kind: 'reasoning' | 'content', now: string): string {
    const shown = kind === 'reasoning' ? this.#reasoning : this.#content;
    if (now.length <= shown.length || !now.startsWith(shown)) return '';
    if (kind === 'reasoning') this.#reasoning = now;
    else this.#content = now;
    return now.slice(shown.length);
  }
}
