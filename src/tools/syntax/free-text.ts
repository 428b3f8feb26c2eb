// GBNF for free text that never contains a given word (a raw parameter value up to its closing tag,
// reasoning up to its end marker): the states of a KMP matcher for the word, each a rule.

const hex = (ch: string) => `\\U${ch.codePointAt(0)!.toString(16).padStart(8, '0')}`;

/** Rules `${name}` (and `${name}-1`…) for any text without `word`. `name` must start with a capital letter. */
export function textWithoutRules(name: string, word: string): string {
  const chars = [...word];
  const n = chars.length;
  // failure[i]: the longest proper border of chars[0..i).
  const failure = new Array<number>(n + 1).fill(0);
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = failure[k]!;
    if (chars[i] === chars[k]) k++;
    failure[i + 1] = k;
  }
  const next = (state: number, ch: string): number => {
    let k = state;
    while (k > 0 && chars[k] !== ch) k = failure[k]!;
    return chars[k] === ch ? k + 1 : 0;
  };
  const distinct = [...new Set(chars)];
  const rule = (state: number) => (state === 0 ? name : `${name}-${state}`);
  const lines: string[] = [];
  for (let state = 0; state < n; state++) {
    const alts = distinct.flatMap((ch) => {
      const to = next(state, ch);
      return to === n ? [] : [`[${hex(ch)}] ${rule(to)}`];
    });
    alts.push(`[^${distinct.map(hex).join('')}] ${name}`, '""');
    lines.push(`${rule(state)} ::= ${alts.join(' | ')}`);
  }
  return `${lines.join('\n')}\n`;
}
