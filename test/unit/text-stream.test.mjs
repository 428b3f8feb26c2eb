// TextStream: bytes of tokens in, whole characters out; stop strings held back
// while they might still match, cut when they do. No model needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TextStream } from '../../dist/testing.js';

const bytes = (s) => new TextEncoder().encode(s);

function run(pieces, stops = []) {
  const stream = new TextStream(stops);
  const emitted = [];
  for (const piece of pieces) {
    const { text, stopped } = stream.push(piece);
    emitted.push(text);
    if (stopped) return { emitted, stopped: true };
  }
  emitted.push(stream.flush());
  return { emitted, stopped: false };
}

describe('TextStream', () => {
  it('never emits part of a UTF-8 character split across tokens', () => {
    const euro = bytes('€'); // 3 bytes
    const { emitted } = run([bytes('a'), euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2), bytes('b')]);
    assert.deepEqual(emitted, ['a', '', '', '€', 'b', '']);
  });

  it('emits a 4-byte emoji once, when its last byte arrives', () => {
    const emoji = bytes('🦙');
    const { emitted } = run([...emoji].map((b) => Uint8Array.of(b)));
    assert.deepEqual(emitted.filter(Boolean), ['🦙']);
  });

  it('cuts at a stop string spanning tokens and keeps the text before it', () => {
    const { emitted, stopped } = run([bytes('Hello wo'), bytes('rld. ST'), bytes('OP here')], ['STOP']);
    assert.equal(stopped, true);
    assert.equal(emitted.join(''), 'Hello world. ');
  });

  it('holds a possible stop prefix and releases it when it does not match', () => {
    const { emitted, stopped } = run([bytes('abc ST'), bytes('ill going')], ['STOP']);
    assert.equal(stopped, false);
    assert.deepEqual(emitted, ['abc ', 'STill going', '']);
  });

  it('stops at the earliest of several stop strings', () => {
    const { emitted } = run([bytes('one two three')], ['three', 'two']);
    assert.equal(emitted.join(''), 'one ');
  });

  it('flushes a trailing broken character as U+FFFD rather than dropping it', () => {
    const { emitted } = run([bytes('ok'), Uint8Array.of(0xe2, 0x82)]);
    assert.equal(emitted.join(''), 'ok\uFFFD');
  });
});
