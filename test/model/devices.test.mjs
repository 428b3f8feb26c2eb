// Devices and GPU offload: getDevices() lists what ggml sees; gpuLayers is checked,
// does nothing without a GPU, and with one (an addon built with --cuda, --vulkan, ...)
// gives the same greedy text and near-identical scores as the CPU.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FathomError, getDevices, loadModel } from '../../dist/index.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const gpu = getDevices().find((d) => d.type === 'gpu' || d.type === 'igpu');

describe('devices', () => {
  it('lists the CPU with its memory, and any GPU ggml sees', (t) => {
    const devices = getDevices();
    t.diagnostic(devices.map((d) => `${d.name} (${d.type}): ${d.description}, ${(d.memoryTotal / 2 ** 30).toFixed(1)} GiB`).join('; '));
    const cpu = devices.find((d) => d.type === 'cpu');
    assert.ok(cpu, 'a CPU device');
    assert.equal(cpu.name, 'CPU');
    assert.ok(cpu.memoryTotal > 0 && cpu.memoryFree > 0 && cpu.memoryFree <= cpu.memoryTotal);
    for (const d of devices) assert.ok(['cpu', 'gpu', 'igpu', 'accel', 'meta'].includes(d.type), d.type);
  });

  it('rejects a bad gpuLayers with INVALID_ARGUMENT', { skip: skipWithoutStories }, async () => {
    for (const gpuLayers of [-1, 1.5, 'all', null]) {
      await assert.rejects(
        loadModel(STORIES_260K, { gpuLayers }),
        (e) => e instanceof FathomError && e.code === 'INVALID_ARGUMENT' && /gpuLayers/.test(e.message),
      );
    }
  });

  it('without a GPU, gpuLayers moves nothing and generation is unchanged', { skip: skipWithoutStories || (gpu && 'a GPU is present') }, async () => {
    const model = await loadModel(STORIES_260K, { contextSize: 128, gpuLayers: 99 });
    try {
      assert.deepEqual(model.placement, { gpuLayers: 0, gpuDevice: null });
      assert.match((await model.complete('Once upon a time', { maxTokens: 8 })).text, /there was/);
    } finally {
      await model.dispose();
    }
  });

  it(
    "on a GPU, some or all blocks give the CPU's greedy text and scores",
    { skip: skipWithoutStories || (!gpu && 'no GPU device: the addon was built for the CPU only (build with --cuda or --vulkan to run this)') },
    async (t) => {
      const text = 'Once upon a time, there was a little girl named Lily. She loved to play outside.';
      const run = async (gpuLayers) => {
        const model = await loadModel(STORIES_260K, { contextSize: 256, sequences: 2, gpuLayers });
        try {
          const greedy = (await model.complete('Once upon a time', { maxTokens: 24, ignoreEos: true })).text;
          const scored = await model.score(text);
          return { placement: model.placement, greedy, scored };
        } finally {
          await model.dispose();
        }
      };
      const cpu = await run(0);
      assert.equal(cpu.placement.gpuLayers, 0);
      for (const gpuLayers of [2, 'max']) {
        const offloaded = await run(gpuLayers);
        t.diagnostic(
          `gpuLayers ${gpuLayers}: ${JSON.stringify(offloaded.placement)}, score sum ${offloaded.scored.sum.toFixed(4)} vs CPU ${cpu.scored.sum.toFixed(4)}`,
        );
        assert.equal(offloaded.placement.gpuDevice, gpu.name);
        assert.equal(offloaded.placement.gpuLayers, gpuLayers === 'max' ? 6 : gpuLayers);
        assert.equal(offloaded.greedy, cpu.greedy);
        // GPU kernels accumulate in other orders (and in F16 where the CPU uses F32): close, not equal.
        for (let i = 0; i < cpu.scored.logprobs.length; i++) assert.ok(Math.abs(offloaded.scored.logprobs[i] - cpu.scored.logprobs[i]) < 0.02, `token ${i}`);
      }
    },
  );
});
