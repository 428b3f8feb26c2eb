// Which sequence of a context a generation step runs on. A sequence is a cache
// slot, not owned by any generation: a step goes to the sequence that already
// holds its history, else to the free one sharing the longest prefix with it
// (least recently used on ties), so abandoned generations hold nothing and a
// new prompt reuses whatever prefix is cached.

export interface SequenceSlot {
  /** Tokens whose keys/values the sequence holds, in order. */
  readonly tokens: number[];
  /** The history array whose tokens this slot holds exactly (fast path: no comparison). */
  owner: readonly number[] | null;
  /** The control vector the cached tokens were evaluated under (their keys/values depend on it). */
  control: object | null;
  lastUsed: number;
}

export interface SlotChoice {
  index: number;
  /** Cached positions to keep; everything after is re-evaluated. */
  keep: number;
}

// Length of the common prefix of `cached` and history + input, at most `limit`.
function sharedPrefix(cached: readonly number[], history: readonly number[], input: readonly number[], limit: number): number {
  let n = 0;
  const end = Math.min(limit, cached.length);
  while (n < end && cached[n] === (n < history.length ? history[n] : input[n - history.length])) n++;
  return n;
}

/**
 * Picks a slot for `history` + `input` among those not `taken`, or null when all are taken.
 * At least one token is always left to evaluate (logits come from the last one).
 */
export function chooseSlot(
  slots: readonly SequenceSlot[],
  taken: ReadonlySet<number>,
  history: readonly number[],
  input: readonly number[],
  control: object | null = null,
): SlotChoice | null {
  const total = history.length + input.length;
  let best: SlotChoice | null = null;
  let bestLastUsed = Infinity;
  for (let index = 0; index < slots.length; index++) {
    if (taken.has(index)) continue;
    const slot = slots[index]!;
    const sameControl = slot.control === control;
    if (sameControl && slot.owner === history && slot.tokens.length === history.length) return { index, keep: history.length };
    const keep = sameControl ? sharedPrefix(slot.tokens, history, input, total - 1) : 0;
    if (!best || keep > best.keep || (keep === best.keep && slot.lastUsed < bestLastUsed)) {
      best = { index, keep };
      bestLastUsed = slot.lastUsed;
    }
  }
  return best;
}
