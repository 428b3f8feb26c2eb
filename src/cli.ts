#!/usr/bin/env node
// The `fathom` command: inspect GGUF files, generate text, build the addon.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { FathomError } from './errors.js';
import type { GgufInfo, GgufValue } from './gguf/gguf-info.js';
import { readGguf } from './gguf/read-gguf.js';
import { loadModel, type LoadModelOptions, type Model } from './model.js';
import { addonPath, loadAddon, packageRoot } from './native/load-addon.js';
import { PRESETS } from './quantize/quantization-mix.js';
import { quantizeFile } from './quantize/quantize-file.js';
import { renderTextReport } from './report/html-page.js';
import { collectTextReport } from './report/text-report.js';

const USAGE = `Usage:
  fathom inspect <file.gguf> [--json]
  fathom inspect --system [--json]     the native addon: where it loaded from, compiler, CPU variant and features, devices
  fathom generate <file.gguf> -p "<prompt>" [-n N] [--temperature T] [--seed S] [--top-k K] [--top-p P] [--min-p P] [--threads N] [--ctx N]
  fathom perplexity <file.gguf> --file <text.txt> [--ctx N] [--chunks N] [--threads N]
  fathom inspect-text <file.gguf> -p "<text>" [--out report.html] [--layers 0,1,...] [--threads N]
  fathom quantize <in.gguf> <out.gguf> --type <q4_k_m|q8_0|...>
  fathom build [--cuda|--vulkan|--metal|--hip] [cmake-js options]
                                       build the native addon from source (with a GPU backend)
`;

function usageError(message: string): never {
  throw new FathomError('INVALID_ARGUMENT', `${message}\n\n${USAGE}`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function formatValue(value: GgufValue): string {
  if (Array.isArray(value)) {
    const head = value.slice(0, 6).map((v) => formatValue(v)).join(', ');
    return `[${head}${value.length > 6 ? `, … (${value.length} items)` : ''}]`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

function printSummary(info: GgufInfo): void {
  const types = new Map<string, number>();
  for (const t of info.tensors) types.set(t.type, (types.get(t.type) ?? 0) + 1);
  const rows: Array<[string, string | number | undefined]> = [
    ['file', `${info.path} (${formatCount(info.fileSize)}B, GGUF v${info.version})`],
    ['name', info.name],
    ['architecture', info.architecture],
    ['parameters', formatCount(info.parameterCount)],
    ['context length', info.contextLength],
    ['embedding length', info.embeddingLength],
    ['blocks', info.blockCount],
    ['feed-forward length', info.feedForwardLength],
    ['heads / KV heads', info.headCount !== undefined ? `${info.headCount} / ${info.headCountKv}` : undefined],
    ['vocabulary', info.vocabSize],
    ['tensor types', [...types].map(([t, n]) => `${t} ×${n}`).join(', ')],
  ];
  for (const [label, value] of rows) if (value !== undefined && value !== '') console.log(`${label.padEnd(20)} ${value}`);
  console.log(`\nmetadata (${Object.keys(info.metadata).length} keys)`);
  for (const [key, value] of Object.entries(info.metadata)) console.log(`  ${key.padEnd(44)} ${formatValue(value)}`);
  console.log(`\ntensors (${info.tensors.length})`);
  for (const t of info.tensors) console.log(`  ${t.name.padEnd(32)} ${t.type.padEnd(6)} [${t.shape.join(', ')}]`);
}

function numberOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) usageError(`--${name} expects a number, got "${String(raw)}"`);
  return n;
}

/** Loads a model for one command and disposes of it afterwards, whatever happens. */
async function withModel<T>(file: string, options: LoadModelOptions, use: (model: Model) => Promise<T>): Promise<T> {
  const model = await loadModel(file, options);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command === 'build') {
    const script = path.join(packageRoot(), 'scripts', 'build-native.mjs');
    return spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' }).status ?? 1;
  }
  if (command === 'quantize') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { type: { type: 'string' } } });
    if (positionals.length !== 2) usageError('quantize takes an input and an output file');
    if (!values.type) usageError(`quantize needs --type (one of: ${Object.keys(PRESETS).join(', ')})`);
    const started = performance.now();
    const report = await quantizeFile(positionals[0], positionals[1], values.type);
    const counts = new Map<string, number>();
    for (const t of report.tensors) counts.set(t.to, (counts.get(t.to) ?? 0) + 1);
    console.log(`${positionals[1]}: ${formatCount(report.bytesIn)}B -> ${formatCount(report.bytesOut)}B in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${[...counts].map(([type, n]) => `${type} ×${n}`).join(', ')})`);
    return 0;
  }
  if (command === 'inspect') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, system: { type: 'boolean' } } });
    if (values.system) {
      const addon = loadAddon();
      const system = { addon: addonPath(), node: process.version, platform: `${process.platform}-${process.arch}`, cpus: availableParallelism(), ...addon.buildInfo(), devices: addon.devices() };
      if (values.json) console.log(JSON.stringify(system, null, 2));
      else {
        for (const [key, value] of Object.entries(system)) {
          if (key !== 'features' && key !== 'devices') console.log(`${key.padEnd(16)} ${String(value)}`);
        }
        console.log(`${'features'.padEnd(16)} ${Object.entries(system.features).map(([k, v]) => (v === '1' ? k : `${k}=${v}`)).join(' ')}`);
        for (const d of system.devices) {
          console.log(`${'device'.padEnd(16)} ${d.name} (${d.type}): ${d.description}, ${(d.memoryFree / 2 ** 30).toFixed(1)} GiB free of ${(d.memoryTotal / 2 ** 30).toFixed(1)} GiB`);
        }
      }
      return 0;
    }
    if (positionals.length !== 1) usageError('inspect takes exactly one file');
    const info = await readGguf(positionals[0]);
    if (values.json) console.log(JSON.stringify(info, jsonReplacer, 2));
    else printSummary(info);
    return 0;
  }
  if (command === 'perplexity') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { file: { type: 'string', short: 'f' }, ctx: { type: 'string', short: 'c' }, chunks: { type: 'string' }, threads: { type: 'string', short: 't' } },
    });
    if (positionals.length !== 1) usageError('perplexity takes exactly one model file');
    if (!values.file) usageError('perplexity needs --file <text.txt>');
    const text = await readFile(values.file, 'utf8');
    const chunkSize = numberOption(values, 'ctx') ?? 512;
    await withModel(positionals[0], { threads: numberOption(values, 'threads'), contextSize: chunkSize, batchSize: Math.min(chunkSize, 512) }, async (model) => {
      const started = performance.now();
      const tty = process.stderr.isTTY;
      const result = await model.perplexity(text, {
        chunkSize,
        chunks: numberOption(values, 'chunks'),
        onProgress: ({ chunk, chunks, perplexity }) => {
          const width = 30;
          const done = Math.round((chunk / chunks) * width);
          const eta = ((performance.now() - started) / chunk) * (chunks - chunk) / 1000;
          const line = `[${'='.repeat(done)}${' '.repeat(width - done)}] ${chunk}/${chunks}  PPL ${perplexity.toFixed(4)}  ETA ${eta.toFixed(0)} s`;
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      console.log(`Final estimate: PPL = ${result.perplexity.toFixed(4)} +/- ${result.error.toFixed(5)}`);
      console.log(`(${result.chunks} chunks of ${result.chunkSize} tokens, ${result.scored} tokens scored, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    });
    return 0;
  }
  if (command === 'inspect-text') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { prompt: { type: 'string', short: 'p' }, out: { type: 'string', short: 'o' }, layers: { type: 'string' }, threads: { type: 'string', short: 't' } },
    });
    if (positionals.length !== 1) usageError('inspect-text takes exactly one model file');
    const { prompt } = values;
    if (prompt === undefined) usageError('inspect-text needs a text: -p "<text>"');
    const layers = values.layers?.split(',').map((l) => {
      const n = Number(l);
      if (!Number.isInteger(n) || n < 0) usageError(`--layers expects comma-separated layer indices, got "${values.layers}"`);
      return n;
    });
    await withModel(positionals[0], { threads: numberOption(values, 'threads') }, async (model) => {
      const name = model.info.name ?? path.basename(positionals[0]);
      const data = await collectTextReport(model.context, name, prompt, { layers });
      const out = values.out ?? 'report.html';
      await writeFile(out, renderTextReport(data));
      console.log(`${out}: ${data.tokens.length} tokens, perplexity ${data.perplexity.toFixed(3)}, attention of ${data.layers.length} layers × ${data.heads} heads`);
    });
    return 0;
  }
  if (command === 'generate') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        prompt: { type: 'string', short: 'p' },
        'n-predict': { type: 'string', short: 'n' },
        temperature: { type: 'string' },
        seed: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
        'min-p': { type: 'string' },
        threads: { type: 'string', short: 't' },
        ctx: { type: 'string', short: 'c' },
      },
    });
    if (positionals.length !== 1) usageError('generate takes exactly one model file');
    const { prompt } = values;
    if (prompt === undefined) usageError('generate needs a prompt: -p "<text>"');
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    await withModel(positionals[0], { threads: numberOption(values, 'threads'), contextSize: numberOption(values, 'ctx') }, async (model) => {
      process.stdout.write(prompt);
      try {
        const stream = model.generate(prompt, {
          maxTokens: numberOption(values, 'n-predict'),
          temperature: numberOption(values, 'temperature'),
          seed: numberOption(values, 'seed'),
          topK: numberOption(values, 'top-k'),
          topP: numberOption(values, 'top-p'),
          minP: numberOption(values, 'min-p'),
          signal: controller.signal,
        });
        for await (const chunk of stream) process.stdout.write(chunk.text);
        process.stdout.write('\n');
      } catch (error) {
        // Ctrl-C, or a model that never ended before the context filled: what was generated stays printed.
        if (!(error instanceof FathomError && (error.code === 'ABORTED' || error.code === 'CONTEXT_FULL'))) throw error;
        process.stdout.write('\n');
        if (error.code === 'CONTEXT_FULL') console.error(`fathom: stopped: ${error.message}`);
      }
    });
    return 0;
  }
  usageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof FathomError) console.error(`fathom: ${error.message} [${error.code}]`);
    else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) console.error(`fathom: ${error.message}\n\n${USAGE}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
