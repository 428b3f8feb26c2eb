// The grammars npm run bench:grammar runs: JSON Schemas from flat to nested to recursive (as
// GBNF through our converter, so both engines run the same text) and llama.cpp's own GBNF files.
import { Grammar } from '../dist/index.js';
import { bundleText } from '../test/helpers/bundle.mjs';

const SCHEMAS = {
  'schema-flat': {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 40 }, age: { type: 'integer', minimum: 0, maximum: 130 }, active: { type: 'boolean' } },
    required: ['name', 'age', 'active'],
  },
  'schema-nested': {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      customer: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: 30 }, email: { type: 'string', format: 'email' }, tier: { enum: ['free', 'pro', 'enterprise'] } },
        required: ['name', 'email', 'tier'],
      },
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 5,
        items: {
          type: 'object',
          properties: {
            sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' },
            quantity: { type: 'integer', minimum: 1, maximum: 99 },
            price: { type: 'number', minimum: 0 },
          },
          required: ['sku', 'quantity', 'price'],
        },
      },
      placed: { type: 'string', format: 'date-time' },
    },
    required: ['id', 'customer', 'items', 'placed'],
  },
  'schema-recursive': {
    $ref: '#/$defs/node',
    $defs: {
      node: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: 20 }, children: { type: 'array', maxItems: 3, items: { $ref: '#/$defs/node' } } },
        required: ['name'],
      },
    },
  },
};

/** [name, GBNF text] for every benchmark grammar. */
export async function benchGrammars() {
  const out = Object.entries(SCHEMAS).map(([name, schema]) => [name, Grammar.jsonSchema(schema).gbnf]);
  for (const file of ['json', 'arithmetic', 'c']) out.push([`gbnf-${file}`, await bundleText(`grammars/${file}.gbnf`)]);
  return out;
}
