// A server-sent event stream (text/event-stream, as the HTML standard defines it): each event one
// `data:` line of JSON and a blank line; OpenAI's streams end with `data: [DONE]`. Writes wait for
// the socket to drain, so a slow reader slows its own generation instead of filling memory.
import type { ServerResponse } from 'node:http';

export class EventStream {
  readonly #response: ServerResponse;

  constructor(response: ServerResponse, headers: Record<string, string> = {}) {
    this.#response = response;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // proxies such as nginx pass events on as they come
    });
    response.flushHeaders();
  }

  /** False once the client has gone. */
  get open(): boolean {
    return !this.#response.destroyed && !this.#response.writableEnded;
  }

  /** One event: `value` as JSON (JSON has no raw newline, so one data line is enough). */
  async send(value: unknown): Promise<void> {
    await this.#write(`data: ${JSON.stringify(value)}\n\n`);
  }

  /** `data: [DONE]`, then the end of the response. */
  async done(): Promise<void> {
    await this.#write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (this.open) this.#response.end();
  }

  async #write(text: string): Promise<void> {
    if (!this.open) return;
    if (this.#response.write(text)) return;
    await new Promise<void>((resolve) => {
      const settle = () => {
        this.#response.off('drain', settle);
        this.#response.off('close', settle);
        resolve();
      };
      this.#response.on('drain', settle);
      this.#response.on('close', settle);
    });
  }
}
