// `fathom inspect <file.gguf> [--json]`: a GGUF file's header (no weights are read);
// `fathom inspect --system [--json]`: the native addon, its CPU variant and features, the devices.
import { availableParallelism } from 'node:os';

import type { GgufInfo } from '../gguf/gguf-info.js';
import { readGguf } from '../gguf/read-gguf.js';
import { addonPath, nativeBuildInfo, nativeDevices } from '../native/addon.js';
import { formatCount, formatValue, jsonReplacer } from './format.js';
import { parseCommand, usageError } from './usage.js';

function printSummary(info: GgufInfo, listTensors: boolean): void {
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
  if (!listTensors) {
    console.log(`\n${info.tensors.length} tensors (list them with --tensors)`);
    return;
  }
  console.log(`\ntensors (${info.tensors.length})`);
  for (const t of info.tensors) console.log(`  ${t.name.padEnd(32)} ${t.type.padEnd(6)} [${t.shape.join(', ')}]`);
}

export async function runInspect(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('inspect', args, { json: { type: 'boolean' }, system: { type: 'boolean' }, tensors: { type: 'boolean' } });
  if (values.system) {
    if (positionals.length > 0) usageError('inspect --system takes no file');
    const system = {
      addon: addonPath(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      ...nativeBuildInfo(),
      devices: nativeDevices(),
    };
    if (values.json) console.log(JSON.stringify(system, null, 2));
    else {
      for (const [key, value] of Object.entries(system)) {
        if (key !== 'features' && key !== 'devices') console.log(`${key.padEnd(16)} ${String(value)}`);
      }
      console.log(
        `${'features'.padEnd(16)} ${Object.entries(system.features)
          .map(([k, v]) => (v === '1' ? k : `${k}=${v}`))
          .join(' ')}`,
      );
      for (const d of system.devices) {
        console.log(
          `${'device'.padEnd(16)} ${d.name} (${d.type}): ${d.description}, ${(d.memoryFree / 2 ** 30).toFixed(1)} GiB free of ${(d.memoryTotal / 2 ** 30).toFixed(1)} GiB`,
        );
      }
    }
    return 0;
  }
  if (positionals.length !== 1) usageError('inspect takes exactly one file');
  const info = await readGguf(positionals[0]);
  if (values.json) console.log(JSON.stringify(info, jsonReplacer, 2));
  else printSummary(info, values.tensors ?? false);
  return 0;
}
