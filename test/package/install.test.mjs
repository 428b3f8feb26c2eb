// Installing the packed package: a prebuild (ggml's CPU backend in every variant) is made in a copy of the
// source (prebuildify driving cmake-js through scripts/prebuildify-node-gyp.mjs),
// packed with `npm pack`, and installed with no network into an empty project whose PATH
// has no compiler or CMake; it then generates text through import and require,
// and its types check under `tsc --strict`. The package's registry dependencies reach
// the npm cache first, from the registry if the cache lacks them (a machine that never
// ran npm has none): what is proven offline is our package, not this machine's cache.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { ROOT, scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const skip = skipWithoutStories || (process.platform !== 'linux' && 'the no-compiler PATH is set up for Linux');

// A program that loads the installed package (`load` resolves to its exports) and prints 24 greedy tokens.
const generateProgram = (load) =>
  `${load}.then(async ({ loadModel }) => { const m = await loadModel(${JSON.stringify(STORIES_260K)}, { contextSize: 128 });` +
  ` const r = await m.complete('Once upon a time', { maxTokens: 24, ignoreEos: true }); await m.dispose(); process.stdout.write(JSON.stringify(r.text)); })`;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// With no network at all where this user may make a network namespace (`unshare -n`: only a
// loopback that is down), else with npm's offline mode alone (set in `env` below).
const UNSHARE = spawnSync('unshare', ['-n', 'true']).status === 0 ? run('sh', ['-c', 'command -v unshare']).trim() : null;
const NO_NETWORK = UNSHARE ? 'in a network namespace of its own' : 'offline mode only (unshare -n is not allowed here)';
const runWithoutNetwork = (cmd, args, options) => (UNSHARE ? run(UNSHARE, ['-n', cmd, ...args], options) : run(cmd, args, options));

// The consumer's tsc check needs @types/node, the one the repository pins.
const TYPES_NODE = `@types/node@${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies['@types/node']}`;

describe('the packed package', { skip, timeout: 15 * 60_000 }, () => {
  let tarball;
  let project;
  let env;
  let expected;

  before(async () => {
    const work = scratchDir('install');
    // A copy of the package source (the work tree's files and the extracted ggml), with the dev dependencies linked.
    const source = path.join(work, 'source');
    // What git tracks and what it would track (a work tree's new files), as they are now.
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    for (const file of files.filter((f) => f && existsSync(path.join(ROOT, f)))) {
      mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(source, file));
    }
    cpSync(path.join(ROOT, 'deps', 'ggml'), path.join(source, 'deps', 'ggml'), { recursive: true });
    cpSync(path.join(ROOT, 'dist'), path.join(source, 'dist'), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
    run('npm', ['run', 'prebuild'], { cwd: source });
    run('npm', ['pack', '--pack-destination', work, '--ignore-scripts'], { cwd: source });
    tarball = path.join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz')),
    );

    // The registry's part, with scripts off: our dependencies (and @types/node) into the npm cache, taken from
    // the registry only when the cache does not hold them. Nothing of ours runs here.
    const warm = path.join(work, 'warm-cache');
    mkdirSync(warm);
    writeFileSync(path.join(warm, 'package.json'), JSON.stringify({ name: 'warm-cache', private: true }));
    run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball, TYPES_NODE], { cwd: warm });
    rmSync(warm, { recursive: true, force: true });

    // A PATH with node and npm only: no cc, c++, g++ or cmake to fall back on.
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['node', 'npm', 'npx', 'sh']) {
      const found = run('sh', ['-c', `command -v ${tool}`]).trim();
      symlinkSync(found, path.join(bin, tool));
    }
    env = { ...process.env, PATH: bin, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    for (const tool of ['cc', 'c++', 'g++', 'gcc', 'cmake', 'g++-11']) assert.equal(spawnSync(tool, ['--version'], { env }).error?.code, 'ENOENT', tool);

    project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    runWithoutNetwork('npm', ['install', tarball], { cwd: project, env });

    const model = await loadModel(STORIES_260K, { contextSize: 128 });
    expected = (await model.complete('Once upon a time', { maxTokens: 24, ignoreEos: true })).text;
    await model.dispose();
  });

  // What the installed package's `fathom inspect --system --json` reports.
  const systemInfo = (extraEnv = {}) =>
    JSON.parse(
      run('node', [path.join(project, 'node_modules', 'fathom-llm', 'dist', 'cli.js'), 'inspect', '--system', '--json'], {
        cwd: project,
        env: { ...env, ...extraEnv },
      }),
    );

  it('ships the prebuild (the addon, ggml as libraries, every CPU variant), dist, the native and ggml sources; not the tests', (t) => {
    const files = run('tar', ['-tzf', tarball]).split('\n');
    const prebuilt = (f) => `package/prebuilds/linux-x64/${f}`;
    for (const f of [
      'package/dist/index.js',
      'package/dist/index.cjs',
      'package/dist/index.d.ts',
      prebuilt('fathom-llm.node'),
      prebuilt('libfathom-ggml.so'),
      prebuilt('libfathom-ggml-base.so'),
      prebuilt('libggml-cpu-x64.so'),
      prebuilt('libggml-cpu-haswell.so'),
      'package/native/core/context.cpp',
      'package/deps/ggml/CMakeLists.txt',
      'package/CMakeLists.txt',
      'package/scripts/build-native.mjs',
    ]) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('package/test/')));
    const folder = path.join(project, 'node_modules', 'fathom-llm', 'prebuilds', 'linux-x64');
    const libraries = readdirSync(folder);
    const bytes = libraries.reduce((sum, f) => sum + statSync(path.join(folder, f)).size, 0);
    t.diagnostic(`installed with no network: ${NO_NETWORK}`);
    t.diagnostic(
      `prebuild: ${libraries.length} files, ${(bytes / 1e6).toFixed(1)} MB (addon ${(statSync(path.join(folder, 'fathom-llm.node')).size / 1e6).toFixed(1)} MB, ` +
        `${libraries.filter((f) => f.startsWith('libggml-cpu-')).length} CPU variants); tarball ${(statSync(tarball).size / 1e6).toFixed(1)} MB`,
    );
    assert.ok(bytes <= 20e6, `the prebuild fits in 20 MB (${bytes} bytes)`);
    assert.ok(!existsSync(path.join(project, 'node_modules', 'fathom-llm', 'build')), 'nothing was compiled at install');
    // The lowest variant is plain x86-64 (SSE2): no AVX registers at all.
    assert.equal(/[yz]mm\d/.test(run('objdump', ['-d', path.join(folder, 'libggml-cpu-x64.so')])), false, 'x64 variant: no AVX instructions');
    assert.equal(/[yz]mm\d/.test(run('objdump', ['-d', path.join(folder, 'libggml-cpu-sse42.so')])), false, 'sse42 variant: no AVX instructions');
  });

  it('loads the best CPU variant for this machine and reports it in fathom inspect --system', (t) => {
    const system = systemInfo();
    t.diagnostic(`picked ${system.cpuVariant} (${system.cpuLibrary})`);
    assert.equal(system.dynamicBackends, true);
    assert.match(system.cpuLibrary, /prebuilds[/\\]linux-x64[/\\]libggml-cpu-\w+\.so$/);
    assert.ok(system.addon.endsWith(path.join('prebuilds', 'linux-x64', 'fathom-llm.node')), system.addon);
    // This machine has AVX2 (the tests' reference build needs it), so ggml must not settle for a plain variant.
    assert.ok(!['x64', 'sse42'].includes(system.cpuVariant), system.cpuVariant);
    assert.equal(system.features.AVX2, '1');
  });

  it('generates the same greedy text with a lower CPU variant forced (FATHOM_CPU_VARIANT), and names a missing one', () => {
    for (const variant of ['x64', 'sse42', 'haswell']) {
      const out = run('node', ['--input-type=module', '-e', generateProgram("import('fathom-llm')")], {
        cwd: project,
        env: { ...env, FATHOM_CPU_VARIANT: variant },
      });
      assert.equal(JSON.parse(out), expected, variant);
      const system = systemInfo({ FATHOM_CPU_VARIANT: variant });
      assert.equal(system.cpuVariant, variant);
    }
    const r = spawnSync('node', ['--input-type=module', '-e', generateProgram("import('fathom-llm')")], {
      cwd: project,
      env: { ...env, FATHOM_CPU_VARIANT: 'pentium2' },
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /NATIVE_LOAD_FAILED|no native addon could be loaded/);
    assert.match(r.stderr, /FATHOM_CPU_VARIANT=pentium2: .*libggml-cpu-pentium2\.so does not exist/);
  });

  it('generates the same text through import, require and in a worker thread, with no compiler on PATH', () => {
    const viaImport = run('node', ['--input-type=module', '-e', generateProgram("import('fathom-llm')")], { cwd: project, env });
    const viaRequire = run('node', ['-e', generateProgram("Promise.resolve(require('fathom-llm'))")], { cwd: project, env });
    // Inside a worker_threads worker while the main thread has the addon loaded too (Electron apps do both).
    const inWorker =
      `const { Worker } = require('node:worker_threads');` +
      ` require('fathom-llm').getDevices();` +
      ` const w = new Worker(${JSON.stringify(generateProgram("Promise.resolve(require('fathom-llm'))"))}.replace('process.stdout.write(', 'require("node:worker_threads").parentPort.postMessage('), { eval: true });` +
      ` w.on('message', (m) => process.stdout.write(m)); w.on('error', (e) => { console.error(e); process.exit(1); });`;
    const viaWorker = run('node', ['-e', inWorker], { cwd: project, env });
    assert.equal(JSON.parse(viaImport), expected);
    assert.equal(JSON.parse(viaRequire), expected);
    assert.equal(JSON.parse(viaWorker), expected);
  });

  it('without prebuilds it builds from source at install, offline, without node-llama-cpp, and works', () => {
    // The same tarball with the prebuilds taken out.
    const unpacked = path.join(path.dirname(tarball), 'unpacked');
    mkdirSync(unpacked);
    run('tar', ['-xzf', tarball, '-C', unpacked]);
    const files = run('tar', ['-tzf', tarball]).split('\n');
    assert.ok(files.includes('package/deps/ggml/.fathom-source'), 'the ggml stamp ships, so nothing is extracted at install');
    spawnSync('rm', ['-rf', path.join(unpacked, 'package', 'prebuilds')]);
    const bare = path.join(path.dirname(tarball), 'no-prebuilds.tgz');
    run('tar', ['-czf', bare, '-C', unpacked, 'package']);
    const project2 = path.join(path.dirname(tarball), 'project2');
    mkdirSync(project2);
    writeFileSync(path.join(project2, 'package.json'), JSON.stringify({ name: 'consumer2', private: true }));
    runWithoutNetwork('npm', ['install', bare], {
      cwd: project2,
      env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    const installed = path.join(project2, 'node_modules', 'fathom-llm');
    assert.ok(existsSync(path.join(installed, 'build', 'Release', 'fathom.node')), 'built from source at install');
    assert.ok(!existsSync(path.join(project2, 'node_modules', 'node-llama-cpp')), 'node-llama-cpp is not needed to install');
    assert.equal(JSON.parse(run('node', ['--input-type=module', '-e', generateProgram("import('fathom-llm')")], { cwd: project2 })), expected);
  });

  it('its types check under tsc --strict (a Node project: with @types/node, which declares Symbol.asyncDispose)', () => {
    runWithoutNetwork('npm', ['install', '--no-save', TYPES_NODE], { cwd: project, env });
    writeFileSync(
      path.join(project, 'consumer.ts'),
      `import { loadModel, FathomError, type GenerationChunk } from 'fathom-llm';
export async function main(path: string): Promise<string> {
  const model = await loadModel(path, { contextSize: 256 });
  let text = '';
  try {
    for await (const chunk of model.generate('Once', { maxTokens: 8, temperature: 0.7, seed: 1, stop: ['.'] })) {
      const c: GenerationChunk = chunk;
      text += c.text;
    }
    const scored = await model.score(text);
    const vectors: Float32Array[] = await model.embed(['a', 'b']);
    return text + scored.perplexity.toFixed(2) + vectors.length;
  } catch (error) {
    if (error instanceof FathomError && error.code === 'ABORTED') return text;
    throw error;
  } finally {
    await model.dispose();
  }
}
`,
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'consumer.ts'], {
      cwd: project,
    });
  });
});
