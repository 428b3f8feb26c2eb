// Turns a stream of token byte pieces into text: incomplete UTF-8 sequences
// are held until complete, and text that may be the start of a stop string is
// held until it is known not to be one. Each character is emitted exactly once.

export class TextStream {
  readonly #decoder = new TextDecoder('utf-8');
  #held = '';

  readonly #stops: readonly string[];

  constructor(stops: readonly string[]) {
    this.#stops = stops;
  }

  /** Adds a token's bytes; returns the text now safe to emit and whether a stop string was reached. */
  push(bytes: Uint8Array): { text: string; stopped: boolean } {
    this.#held += this.#decoder.decode(bytes, { stream: true });
    let stopAt = -1;
    for (const stop of this.#stops) {
      const at = this.#held.indexOf(stop);
      if (at !== -1 && (stopAt === -1 || at < stopAt)) stopAt = at;
    }
    if (stopAt !== -1) {
      const text = this.#held.slice(0, stopAt);
      this.#held = '';
      return { text, stopped: true };
    }
    const keep = this.#longestStopPrefixSuffix();
    const text = this.#held.slice(0, this.#held.length - keep);
    this.#held = this.#held.slice(this.#held.length - keep);
    return { text, stopped: false };
  }

  /** Text still held back at the end of generation (a partial stop string, or bytes of a broken character). */
  flush(): string {
    const text = this.#held + this.#decoder.decode();
    this.#held = '';
    return text;
  }

  // Length of the longest tail of `held` that is a proper prefix of some stop string.
  #longestStopPrefixSuffix(): number {
    let best = 0;
    for (const stop of this.#stops) {
      for (let n = Math.min(stop.length - 1, this.#held.length); n > best; n--) {
        if (this.#held.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
