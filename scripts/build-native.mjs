// Builds the native addon from source with cmake-js (Release): extracts ggml if
// needed, then configures and compiles. Extra arguments pass through to cmake-js.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { extractGgml } from './extract-ggml.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// node-llama-cpp's prebuilt llama.cpp, our reference in tests, is compiled with GCC 11 and explicit
// instruction-set flags (its CPU variants). Compiled with GCC 12 the same ggml sources round a few
// operations differently (by ~1e-7), which the F16 KV cache then amplifies: per-token log-probabilities
// drift up to ~1e-3 from llama.cpp's over a few hundred tokens, against ~3e-6 built like the reference.
// So where GCC 11 is installed (and no compiler is chosen through CC/CXX) it builds the addon, with
// this CPU's features as explicit ggml options (GCC 11 does not know recent CPUs: its -march=native
// halved prompt speed on Zen 4). Any compiler works; this one matches the reference.
const CPU_FEATURES = [
  // [/proc/cpuinfo flag(s), ggml option]
  [['sse4_2'], 'GGML_SSE42'],
  [['avx'], 'GGML_AVX'],
  [['f16c'], 'GGML_F16C'],
  [['fma'], 'GGML_FMA'],
  [['avx2'], 'GGML_AVX2'],
  [['bmi2'], 'GGML_BMI2'],
  [['avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'], 'GGML_AVX512'],
  [['avx512vbmi'], 'GGML_AVX512_VBMI'],
  [['avx512_vnni'], 'GGML_AVX512_VNNI'],
  [['avx512_bf16'], 'GGML_AVX512_BF16'],
  [['avx_vnni'], 'GGML_AVX_VNNI'],
  [['amx_tile'], 'GGML_AMX_TILE'],
  [['amx_int8'], 'GGML_AMX_INT8'],
];

// FATHOM_PORTABLE=1 (prebuilds): ggml's backends as libraries beside the addon, the CPU backend built
// once per instruction-set level (x64, sse42, sandybridge, haswell, skylakex, zen4, ...); the addon
// loads the best one for the CPU it runs on.
const PORTABLE_ARGS = ['--CDFATHOM_CPU_VARIANTS=ON', '--CDFATHOM_NATIVE=OFF'];

function referenceBuild() {
  const portable = process.env.FATHOM_PORTABLE === '1';
  if (process.env.CC || process.env.CXX || process.platform !== 'linux' || process.arch !== 'x64') {
    return { env: {}, args: portable ? PORTABLE_ARGS : [] };
  }
  const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
  const env = has('gcc-11') && has('g++-11') ? { CC: 'gcc-11', CXX: 'g++-11' } : {};
  if (portable) return { env, args: PORTABLE_ARGS };
  if (!env.CC) return { env: {}, args: [] };
  let flags;
  try {
    flags = new Set(
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:(.*)$/m)[1]
        .trim()
        .split(/\s+/),
    );
  } catch {
    return { env: {}, args: [] };
  }
  const args = ['--CDFATHOM_NATIVE=OFF', ...CPU_FEATURES.map(([needs, option]) => `--CD${option}=${needs.every((f) => flags.has(f)) ? 'ON' : 'OFF'}`)];
  return { env, args };
}

function configuredDifferently({ env, args }, extraArgs) {
  let cache;
  try {
    cache = readFileSync(path.join(ROOT, 'build', 'CMakeCache.txt'), 'utf8');
  } catch {
    return false;
  }
  // A configure step that never finished (interrupted, or failed) leaves a cache but no build files.
  if (!['build.ninja', 'Makefile'].some((f) => existsSync(path.join(ROOT, 'build', f)))) return true;
  const value = (key) => cache.match(new RegExp(`^${key}:[A-Z]+=(.*)$`, 'm'))?.[1];
  // Options given by the caller win over ours, as cmake-js applies them last.
  const wanted = new Map([...args, ...extraArgs].filter((a) => a.startsWith('--CD')).map((a) => a.slice(4).split('=')));
  if (!wanted.has('FATHOM_NATIVE')) wanted.set('FATHOM_NATIVE', 'ON');
  if (!wanted.has('FATHOM_CPU_VARIANTS')) wanted.set('FATHOM_CPU_VARIANTS', 'OFF');
  for (const [key, v] of wanted) if ((value(key) ?? '') !== v) return true;
  const compiler = value('CMAKE_CXX_COMPILER') ?? '';
  const cxx = process.env.CXX ?? env.CXX;
  return cxx ? !compiler.endsWith(cxx) : compiler.endsWith('g++-11');
}

// GPU backends: `npm run build:native -- --cuda` (or --vulkan, --metal, --hip) turns on ggml's
// backend; other arguments pass through to cmake-js (e.g. --CDCMAKE_CUDA_ARCHITECTURES=90).
const GPU_FLAGS = { '--cuda': 'GGML_CUDA', '--vulkan': 'GGML_VULKAN', '--metal': 'GGML_METAL', '--hip': 'GGML_HIP' };

export function cmakeArgs(args) {
  return args.map((a) => (GPU_FLAGS[a] ? `--CD${GPU_FLAGS[a]}=ON` : a));
}

/** Builds the addon; `command` 'rebuild' reconfigures from scratch (other instruction sets, compiler). */
export async function buildNative(extraArgs = [], command = 'build') {
  extraArgs = cmakeArgs(extraArgs);
  await extractGgml();
  const require = createRequire(path.join(ROOT, 'package.json'));
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  } catch {
    console.error('fathom-llm: building from source needs cmake-js (`npm install cmake-js`), CMake and a C++17 compiler.');
    process.exit(1);
  }
  const reference = referenceBuild();
  // cmake-js only configures a fresh build folder: when the options (or compiler) asked for differ from
  // the ones it was configured with (e.g. after a portable prebuild), configure it again from scratch.
  if (command === 'build' && configuredDifferently(reference, extraArgs)) command = 'rebuild';
  const args = [cmakeJs, command, '--config', 'Release', '--parallel', String(availableParallelism()), '--log-level', 'warn', ...reference.args, ...extraArgs];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...reference.env } });
  if (r.status !== 0) {
    const gpu = extraArgs.filter((a) => Object.values(GPU_FLAGS).some((flag) => a === `--CD${flag}=ON`));
    console.error(
      'fathom-llm: native build failed (see the compiler output above). It needs CMake >= 3.18 and a C++17 compiler' +
        (gpu.length ? `, and for ${gpu.join(' ')} that backend's SDK (CUDA: the toolkit with cuBLAS; Vulkan: headers >= 1.3.26x and glslc; HIP: ROCm).` : '.'),
    );
    process.exit(r.status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildNative(process.argv.slice(2));
