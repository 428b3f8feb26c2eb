// The JSON Schema corpus (test/fixtures/json-schemas.json, 278 schemas: API payloads, forms, records,
// tool arguments, recursive trees): every schema converts, and a seeded sample at temperature 1 on a
// real model, when it ends, always parses and validates with ajv (draft 2020-12, formats). The suite
// samples every 5th schema; FATHOM_FULL_CORPUS=1 (npm run test:schemas) samples all, with retries.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { Grammar, loadModel } from '../../dist/index.js';
import { ROOT, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const corpus = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'json-schemas.json'), 'utf8'));
const FULL = process.env.FATHOM_FULL_CORPUS === '1';
// Seeds tried per schema until a sample ends (free strings can run past maxTokens on a random walk).
const TRIES = FULL ? 4 : 1;

describe('JSON Schema corpus', { skip: skipWithoutStories }, () => {
  let model;
  before(async () => {
    model = await loadModel(STORIES_260K);
  });
  after(() => model?.dispose());

  it(`all ${corpus.length} schemas convert`, () => {
    for (const { name, schema } of corpus) assert.doesNotThrow(() => Grammar.jsonSchema(schema), name);
  });

  it('every sample that ends parses and validates', async (t) => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const sampled = corpus.filter((_, i) => FULL || i % 5 === 0);
    let ended = 0;
    for (const [i, { name, schema }] of sampled.entries()) {
      const grammar = Grammar.jsonSchema(schema);
      for (let k = 0; k < TRIES; k++) {
        const result = await model.complete('{', { grammar, temperature: 1, seed: i * TRIES + k, maxTokens: 400 });
        if (result.finishReason !== 'eos') continue;
        ended++;
        const validate = ajv.compile(schema);
        assert.ok(validate(result.json), `${name}: ${result.text}\n${JSON.stringify(validate.errors)}`);
        break;
      }
    }
    // A sample cut by maxTokens cannot be validated; measured, about 60% end on the first seed (70% within 4).
    t.diagnostic(`${ended} of ${sampled.length} schemas gave a sample that ended; all validated`);
    assert.ok(ended >= sampled.length * 0.4, `${ended} of ${sampled.length} samples ended`);
  });
});
