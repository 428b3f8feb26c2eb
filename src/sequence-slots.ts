// Which sequence of a context a generation step runs on. A sequence is a cache
// slot, not owned by any generation: a step goes to the sequence that already
// holds its history; else to a slot no running generation holds, sharing the
// longest prefix with it (least recently used on ties); only when every slot is
// held does it take one from another generation (which then re-evaluates). So
// abandoned generations hold nothing and a new prompt reuses any cached prefix.

export interface SequenceSlot {
  /** Tokens whose keys/values the sequence holds, in order. */
  readonly tokens: number[];
  /** The history array of the running generation whose tokens this slot holds exactly (null: none). */
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

/** The slot that holds exactly `history` for its generation, if one does and is not taken. */
export function ownSlot(slots: readonly SequenceSlot[], taken: ReadonlySet<number>, history: readonly number[], control: object | null): SlotChoice | null {
  const index = slots.findIndex((slot, i) => !taken.has(i) && slot.owner === history && slot.control === control && slot.tokens.length === history.length);
  return index === -1 ? null : { index, keep: history.length };
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
  const own = ownSlot(slots, taken, history, control);
  if (own) return own;
  const total = history.length + input.length;
  let best: SlotChoice | null = null;
  let bestRank: [number, number, number] = [Infinity, 0, 0]; // (held by a generation, -keep, lastUsed), lowest wins
  for (let index = 0; index < slots.length; index++) {
    if (taken.has(index)) continue;
    const slot = slots[index]!;
    const keep = slot.control === control ? sharedPrefix(slot.tokens, history, input, total - 1) : 0;
    const rank: [number, number, number] = [slot.owner ? 1 : 0, -keep, slot.lastUsed];
    if (!best || rank[0] < bestRank[0] || (rank[0] === bestRank[0] && (rank[1] < bestRank[1] || (rank[1] === bestRank[1] && rank[2] < bestRank[2])))) {
      best = { index, keep };
      bestRank = rank;
    }
  }
  return best;
}
