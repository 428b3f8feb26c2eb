// The grammar engine without a model: llama.cpp's own grammar test strings (read from the
// bundle's tests/test-grammar-integration.cpp at test time) are accepted and refused as
// llama.cpp does, its JSON Schema cases hold for our converter, and bad grammars fail with
// INVALID_GRAMMAR (with line and column) instead of hanging or crashing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';

import { Grammar } from '../../dist/index.js';
import { bundleText } from '../helpers/bundle.mjs';
import { cppCalls } from '../helpers/cpp-cases.mjs';

let source;
before(async () => {
  source = await bundleText('tests/test-grammar-integration.cpp');
});

describe('llama.cpp grammar integration cases', () => {
  it('accepts every passing string and refuses every failing one (cases written with token(...) need a vocabulary: model tests)', () => {
    const calls = cppCalls(source, 'test_grammar');
    assert.ok(calls.length >= 10, `found ${calls.length} test_grammar cases`);
    let checked = 0;
    for (const [description, gbnf, passing, failing] of calls) {
      assert.equal(typeof gbnf, 'string', `${description}: grammar read`);
      const grammar = Grammar.gbnf(gbnf);
      const tokens = /<\[|!</.test(gbnf);
      if (tokens) continue;
      for (const text of passing) {
        assert.equal(grammar.matches(text), true, `${description}: ${JSON.stringify(text)} should match`);
        checked++;
      }
      for (const text of failing) {
        assert.equal(grammar.matches(text), false, `${description}: ${JSON.stringify(text)} should not match`);
        checked++;
      }
    }
    assert.ok(checked >= 100, `${checked} strings checked`);
  });

  it('refuses the grammars llama.cpp refuses: left recursion and missing rules', () => {
    const leftRecursive = [
      'root ::= "a" | root "a"',
      'root ::= asdf\nasdf ::= "a" | asdf "a"',
      'root ::= asdf\nasdf ::= "a" | foo "b"\nfoo ::= "c" | asdf "d" | "e"',
      'root ::= asdf\nasdf ::= "a" | foo "b"\nfoo ::= "c" | empty asdf "d" | "e"\nempty ::= "blah" | ',
    ];
    for (const text of leftRecursive) {
      assert.throws(
        () => Grammar.gbnf(text).matches('a'),
        (e) => e.code === 'INVALID_GRAMMAR' && /left-recursive/.test(e.message),
        text,
      );
    }
    assert.throws(
      () => Grammar.gbnf('rot ::= expr\nexpr ::= [0-9]+'),
      (e) => e.code === 'INVALID_GRAMMAR' && /no 'root' rule/.test(e.message),
    );
    assert.throws(
      () => Grammar.gbnf('root ::= expr\nexpr ::= term ("+" term)*\nterm ::= numero\nnumber ::= [0-9]+'),
      (e) => e.code === 'INVALID_GRAMMAR' && e.message === "GBNF line 3, column 10: undefined rule 'numero'",
    );
  });

  it("holds llama.cpp's JSON Schema cases, where both read the schema the same way", () => {
    let accepted = 0;
    let refused = 0;
    for (const [description, schemaText, passing, failing] of cppCalls(source, 'test_schema')) {
      const schema = JSON.parse(schemaText);
      // JSON Schema's {} allows any value; llama.cpp's converter reads it as "any object".
      if (Object.keys(schema).length === 0) continue;
      let grammar;
      try {
        grammar = Grammar.jsonSchema(schema);
      } catch (error) {
        // Refused with the keyword named.
        assert.equal(error.code, 'INVALID_ARGUMENT', description);
        refused++;
        continue;
      }
      // llama.cpp ignores uniqueItems (its outputs may repeat items); ours holds at most one free item: its
      // passing arrays of several items are not ours, everything it refuses we refuse.
      const narrower = /"uniqueItems":\s*true/.test(schemaText);
      if (!narrower) for (const text of passing.filter((t) => t !== null)) assert.equal(grammar.matches(text), true, `${description}: ${text}`);
      for (const text of failing.filter((t) => t !== null)) assert.equal(grammar.matches(text), false, `${description}: ${text}`);
      accepted++;
    }
    assert.ok(accepted >= 20 && refused <= 2, `${accepted} schemas checked, ${refused} refused`);
  });
});

describe('GBNF errors', () => {
  const cases = [
    ['root ::= "abc', 'GBNF line 1, column 10: unterminated string literal'],
    ['root ::= [a-', 'GBNF line 1, column 10: unterminated character class'],
    ['root ::= ( "a" | "b"', "GBNF line 1, column 10: expecting ')' to close the group"],
    ['root ::= "a"\n::= "b"', 'GBNF line 2, column 1: expecting a rule name (letters, digits and -)'],
    ['root := "a"', "GBNF line 1, column 6: expecting '::=' after the rule name 'root'"],
    ['root ::= *', 'GBNF line 1, column 10: a repetition needs something before it to repeat'],
    ['root ::= "a"{3001}', 'GBNF line 1, column 13: a repetition of more than 2000 times is not supported'],
    ['root ::= "\\q"', 'GBNF line 1, column 11: unknown escape \\q'],
    ['root ::= "\\x4"', 'GBNF line 1, column 11: expecting 2 hex digits after \\x'],
    ['root ::= [z-a]', 'GBNF line 1, column 11: a character range must go from low to high'],
    ['', 'GBNF line 1, column 1: the grammar defines no rules'],
  ];
  for (const [text, message] of cases) {
    it(`${JSON.stringify(text)} -> ${message}`, () => {
      assert.throws(
        () => Grammar.gbnf(text),
        (e) => e.code === 'INVALID_GRAMMAR' && e.message === message,
      );
    });
  }

  it('refuses a grammar that can match nothing, and bounds one whose expansion would not end', () => {
    assert.throws(
      () => Grammar.gbnf('root ::= a\na ::= "x" a').matches('x'),
      (e) => e.code === 'INVALID_GRAMMAR' && /matches no text/.test(e.message),
    );
    // A cycle through a rule that only matches nothing indirectly grows the stack forever: bounded, then refused.
    const runaway = Grammar.gbnf('root ::= b root "x" | "y"\nb ::= c\nc ::= "z"?');
    assert.throws(
      () => runaway.matches('y'),
      (e) => e.code === 'INVALID_GRAMMAR' && /too ambiguous or too deeply nested/.test(e.message),
    );
  });

  it('charges repetitions before expanding them, and checks long rule chains in linear time', () => {
    const long = `root ::= "${'a'.repeat(2000)}"{0,1999}`;
    assert.throws(
      () => Grammar.gbnf(long),
      (e) => e.code === 'INVALID_GRAMMAR' && /more than 2000000 elements/.test(e.message),
    );
    // Each rule refers to the next one, defined after it: a fixpoint pass per rule would take minutes.
    const rules = ['root ::= r1'];
    for (let i = 1; i < 100000; i++) rules.push(`r${i} ::= r${i + 1}`);
    rules.push('r100000 ::= "x"');
    const started = performance.now();
    assert.equal(Grammar.gbnf(rules.join('\n')).matches('x'), true);
    assert.ok(performance.now() - started < 10000, `${Math.round(performance.now() - started)} ms`);
  });

  it('needs a model for token items', () => {
    assert.throws(
      () => Grammar.gbnf('root ::= <[10]> "a"').matches('a'),
      (e) => e.code === 'INVALID_GRAMMAR' && /needs a model/.test(e.message),
    );
  });
});

// The texts a schema's grammar allows, each checked with ajv: the grammar may allow less than the schema, never more.
function allowedAndValid(schema, texts) {
  const grammar = Grammar.jsonSchema(schema);
  const validate = new Ajv().compile(schema);
  const allowed = texts.filter((text) => grammar.matches(text));
  for (const text of allowed) assert.equal(validate(JSON.parse(text)), true, `${JSON.stringify(schema)} allows ${text}`);
  return allowed;
}

describe('JSON grammars', () => {
  it('Grammar.json() matches JSON values and nothing around them', () => {
    const json = Grammar.json();
    for (const text of ['{}', '[]', '"x"', '-1.5e10', 'true', 'null', '{"a": [1, {"b": null}], "c": "\\u00e9\\n"}'])
      assert.equal(json.matches(text), true, text);
    for (const text of ['{', '{"a" 1}', '[1,]', '01', '"\n"', '{} ', ' {}', "{'a': 1}"]) assert.equal(json.matches(text), false, text);
  });

  it('integer bounds are exact', () => {
    const g = Grammar.jsonSchema({ type: 'integer', minimum: -17, maximum: 2500 });
    for (let i = -100; i < 3000; i++) assert.equal(g.matches(String(i)), i >= -17 && i <= 2500, String(i));
  });

  it('number bounds: every number the grammar allows is in bounds (ajv), and the whole numbers between them and decimals up to them are allowed', () => {
    const ajv = new Ajv();
    const candidates = ['-0.5', '-0.001', '0.001', '1e5', '1.5e2'];
    for (let i = -120; i <= 120; i++) for (const f of ['', '.0', '.5', '.25', '.001', '.999']) candidates.push(`${i}${f}`);
    const cases = [
      // [schema, a number it must allow, a number it must refuse]
      [{ type: 'number', minimum: -90, maximum: 90 }, '-89.999', '-90.5'],
      [{ type: 'number', exclusiveMinimum: 0 }, '0.001', '0'],
      [{ type: 'number', exclusiveMinimum: 0, maximum: 1 }, '0.5', '1.5'],
      [{ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, '0.25', '1'],
      [{ type: 'number', minimum: 0.5, maximum: 2.5 }, '2', '2.75'],
      [{ type: 'number', minimum: -10, maximum: -2 }, '-2.5', '-1.5'],
      [{ type: 'number', exclusiveMaximum: 0 }, '-0.001', '0'],
      [{ type: 'number', minimum: -1.5 }, '-1', '-2'],
      [{ type: 'number', maximum: 100 }, '-120.25', '100.5'],
    ];
    for (const [schema, inside, outside] of cases) {
      const grammar = Grammar.jsonSchema(schema);
      const validate = ajv.compile(schema);
      let allowed = 0;
      for (const text of candidates) {
        if (!grammar.matches(text)) continue;
        allowed++;
        assert.equal(validate(JSON.parse(text)), true, `${JSON.stringify(schema)} allows ${text}`);
      }
      const wholeInside = candidates.filter((t) => /^-?\d+$/.test(t) && validate(Number(t)));
      for (const text of wholeInside) assert.equal(grammar.matches(text), true, `${JSON.stringify(schema)} refuses ${text}`);
      assert.equal(grammar.matches(inside), true, `${JSON.stringify(schema)} refuses ${inside}`);
      assert.equal(grammar.matches(outside), false, `${JSON.stringify(schema)} allows ${outside}`);
      assert.ok(allowed >= wholeInside.length, 'the whole numbers are in');
    }
  });

  it('formats: uri, hostname and ipv4 strings it allows are valid for ajv-formats; typical ones are allowed', () => {
    const ajv = new Ajv();
    addFormats(ajv);
    const cases = {
      uri: [
        ['"https://example.com/a/b.html"', '"http://api.v2.example.org/"'],
        ['"example.com"', '"https://"', '"ftp://x.org"'],
      ],
      hostname: [
        ['"example.com"', '"a-b.c.example.io"'],
        ['"-a.com"', '"a..com"', '"localhost"'],
      ],
      ipv4: [
        ['"192.168.0.1"', '"255.255.255.255"', '"0.0.0.0"'],
        ['"256.1.1.1"', '"01.2.3.4"', '"1.2.3"'],
      ],
    };
    for (const [format, [good, bad]] of Object.entries(cases)) {
      const schema = { type: 'string', format };
      const grammar = Grammar.jsonSchema(schema);
      const validate = ajv.compile(schema);
      for (const text of good) {
        assert.equal(grammar.matches(text), true, `${format}: ${text}`);
        assert.equal(validate(JSON.parse(text)), true, `ajv ${format}: ${text}`);
      }
      for (const text of bad) assert.equal(grammar.matches(text), false, `${format}: ${text}`);
    }
    // Lengths the format's strings all have already are no constraint; ones that cut into it are refused.
    const email = Grammar.jsonSchema({ type: 'string', format: 'email', minLength: 3, maxLength: 254 });
    assert.equal(email.matches('"a.b@example.com"'), true);
    assert.throws(
      () => Grammar.jsonSchema({ type: 'string', format: 'date', maxLength: 8 }),
      (e) => e.code === 'INVALID_ARGUMENT' && /10 to 10 characters/.test(e.message),
    );
  });

  it('uniqueItems: enum items each at most once, in the enum order; other items at most one', () => {
    const elements = ['"a"', '"b"', '"c"', '"d"', '"x"', '1', '2'];
    const arrays = ['[]'];
    for (const a of elements) {
      arrays.push(`[${a}]`);
      for (const b of elements) {
        arrays.push(`[${a},${b}]`);
        for (const c of elements) arrays.push(`[${a}, ${b}, ${c}]`);
      }
    }
    const cases = [
      // [schema, how many of the arrays above it allows: the ordered subsets, or the arrays of at most one item]
      [{ type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true }, 8],
      [{ type: 'array', items: { type: 'string', enum: ['a', 'b', 'c', 'd'] }, uniqueItems: true, minItems: 2, maxItems: 3 }, 10],
      [{ type: 'array', items: { type: 'string' }, uniqueItems: true }, 6],
      [{ type: 'array', items: { type: 'integer' }, uniqueItems: true, minItems: 1 }, 2],
    ];
    for (const [schema, count] of cases) assert.equal(allowedAndValid(schema, arrays).length, count, JSON.stringify(schema));
  });

  it('"not": {"type": ...} leaves the other types, each as the schema says', () => {
    const values = ['null', 'true', '1', '-2.5', '"s"', '"longer string"', '[]', '[1]', '{}', '{"a": 1}'];
    const cases = [
      // Objects with no properties listed are {} here: additional properties only when the schema asks for them.
      [{ not: { type: 'null' } }, ['true', '1', '-2.5', '"s"', '"longer string"', '[]', '[1]', '{}']],
      [{ type: ['string', 'null'], maxLength: 3, not: { type: 'null' } }, ['"s"']],
      [{ not: { type: ['number', 'object'] }, items: { type: 'integer' } }, ['null', 'true', '"s"', '"longer string"', '[]', '[1]']],
      [{ enum: ['a', 1, null], not: { type: 'string' } }, ['null', '1']],
    ];
    for (const [schema, expected] of cases) assert.deepEqual(allowedAndValid(schema, values), expected, JSON.stringify(schema));
    assert.throws(
      () => Grammar.jsonSchema({ type: 'number', not: { type: 'integer' } }),
      (e) => e.code === 'INVALID_ARGUMENT' && /not whole/.test(e.message),
    );
  });

  it('minProperties/maxProperties: the counts hold, listed properties in order, then additional ones', () => {
    // Every object over keys a, b, c (in that order) and then x, y, each at most once, values 1.
    const objects = [];
    for (let mask = 0; mask < 32; mask++) {
      const keys = ['a', 'b', 'c', 'x', 'y'].filter((_, k) => mask & (1 << k));
      objects.push(`{${keys.map((k) => `"${k}": 1`).join(', ')}}`);
    }
    const listed = { a: { type: 'integer' }, b: { type: 'integer' }, c: { type: 'integer' } };
    const cases = [
      // [schema, how many of the objects above it allows]
      [{ type: 'object', properties: listed, minProperties: 1 }, 7],
      [{ type: 'object', properties: listed, minProperties: 2, maxProperties: 2 }, 3],
      [{ type: 'object', properties: listed, required: ['a'], maxProperties: 2 }, 3],
      [{ type: 'object', properties: listed, additionalProperties: { type: 'integer' }, minProperties: 4 }, 6],
      [{ type: 'object', additionalProperties: true, maxProperties: 1 }, 6],
      [{ type: 'object', properties: listed, additionalProperties: true, minProperties: 1, maxProperties: 3 }, 25],
    ];
    for (const [schema, count] of cases) assert.equal(allowedAndValid(schema, objects).length, count, JSON.stringify(schema));
    assert.throws(
      () => Grammar.jsonSchema({ type: 'object', properties: listed, minProperties: 4 }),
      (e) => e.code === 'INVALID_ARGUMENT' && /minProperties/.test(e.message),
    );
  });

  it('keeps property order and makes optional properties optional', () => {
    const g = Grammar.jsonSchema({
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, maxItems: 2 } },
      required: ['id'],
    });
    for (const text of ['{"id": 1}', '{"id":1,"name":"x"}', '{"id": 1, "tags": ["a", "b"]}', '{"id": 1, "name": "x", "tags": []}'])
      assert.equal(g.matches(text), true, text);
    for (const text of ['{}', '{"name": "x", "id": 1}', '{"id": 1, "tags": ["a", "b", "c"]}', '{"id": 1, "other": 2}'])
      assert.equal(g.matches(text), false, text);
  });

  it('writes pattern characters as JSON writes them, and reads classes as JavaScript does', () => {
    const printable = Grammar.jsonSchema({ type: 'string', pattern: '^[ -~]+$' });
    for (const text of ['"abc"', '"a\\"b"', '"a\\\\b"']) assert.equal(printable.matches(text), true, text);
    for (const text of ['"a"b"', '"\\"', '""']) assert.equal(printable.matches(text), false, text);
    const noSpace = Grammar.jsonSchema({ type: 'string', pattern: '^[^\\s]+$' });
    assert.equal(noSpace.matches('"abc"'), true);
    for (const text of ['"a b"', '"a\u00a0b"', '"a\\tb"']) assert.equal(noSpace.matches(text), false, text);
    const line = Grammar.jsonSchema({ type: 'string', pattern: '^.+$' });
    assert.equal(line.matches('"a\\"b"'), true);
    for (const text of ['"a\\nb"', '"\u2028"']) assert.equal(line.matches(text), false, text);
  });

  it('merges allOf soundly: a property in two members satisfies both; required names are own properties', () => {
    const merged = Grammar.jsonSchema({
      type: 'object',
      properties: { n: { enum: [1, 2] } },
      required: ['n'],
      allOf: [{ properties: { n: { type: 'integer' } } }],
    });
    assert.equal(merged.matches('{"n": 1}'), true);
    assert.equal(merged.matches('{"n": 3}'), false);
    const ctor = Grammar.jsonSchema({ type: 'object', required: ['constructor'] });
    assert.equal(ctor.matches('{}'), false);
    assert.equal(ctor.matches('{"constructor": 1}'), true);
  });

  it('integer bounds of 16 digits are exact', () => {
    const high = Grammar.jsonSchema({ type: 'integer', minimum: 5e15 });
    for (const text of ['5000000000000000', '9999999999999999']) assert.equal(high.matches(text), true, text);
    for (const text of ['1000000000000000', '4999999999999999']) assert.equal(high.matches(text), false, text);
    const safe = Grammar.jsonSchema({ type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
    assert.equal(safe.matches('9007199254740991'), true);
    assert.equal(safe.matches('9007199254740992'), false);
  });

  it('refuses what it cannot enforce, naming the keyword', () => {
    const refused = [
      [{ $defs: { a: { $ref: '#/$defs/a' } }, allOf: [{ $ref: '#/$defs/a' }] }, /refers to itself/],
      [{ type: 'string', minLength: 1e6 }, /minimum length or item count above/],
      [{ enum: ['a', 'bbbb'], maxLength: 2 }, /"maxLength" beside enum/],
      [{ anyOf: [{ type: 'string' }], oneOf: [{ type: 'null' }] }, /anyOf and oneOf together/],
      [{ type: 'string', pattern: '^\\d{0,5000}$' }, /repetition above 1000/],
      [
        {
          allOf: [
            { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
            { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false },
          ],
        },
        /does not list "b"/,
      ],
    ];
    for (const [schema, message] of refused) {
      assert.throws(
        () => Grammar.jsonSchema(schema),
        (e) => e.code === 'INVALID_ARGUMENT' && message.test(e.message),
        JSON.stringify(schema),
      );
    }
    assert.throws(
      () => Grammar.jsonSchema({ type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 2 }),
      (e) => e.code === 'INVALID_ARGUMENT' && /uniqueItems/.test(e.message),
    );
    assert.throws(
      () => Grammar.jsonSchema({ not: { enum: ['a'] } }),
      (e) => e.code === 'INVALID_ARGUMENT' && /"not"/.test(e.message),
    );
    assert.throws(
      () => Grammar.jsonSchema({ type: 'string', format: 'color' }),
      (e) => e.code === 'INVALID_ARGUMENT' && /"color"/.test(e.message),
    );
  });
});
