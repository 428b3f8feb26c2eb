// Extracts ggml's sources from the llama.cpp git bundle shipped in the pinned
// node-llama-cpp package into deps/ggml. Idempotent; never touches the network.
// The bare clone stays in deps/llama.cpp.git so tests can read vocab fixtures from it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEPS = path.join(ROOT, 'deps');
const GGML_DIR = path.join(DEPS, 'ggml');
const BARE_CLONE = path.join(DEPS, 'llama.cpp.git');
const STAMP = path.join(GGML_DIR, '.fathom-source');

// node-llama-cpp@3.21.1 ships llama.cpp at this commit; the sha256 pins the bundle bytes.
export const PINNED = {
  nodeLlamaCpp: '3.21.1',
  bundleSha256: '9336d8aab8f8e6a8919380f3641fe92e57b02fb55df1b6bd083b82491a6293b8',
  commit: '80fb11ac73e66d89eae2c6a91d8a77428fa733ed',
};

function fail(message) {
  console.error(`fathom-llm: ${message}`);
  process.exit(1);
}

function git(args, options = {}) {
  const r = spawnSync('git', args, { encoding: 'buffer', maxBuffer: 1 << 30, ...options });
  if (r.error?.code === 'ENOENT') {
    fail(
      '`git` was not found on PATH. It is needed once to extract ggml from the node-llama-cpp bundle; install git (e.g. `apt-get install git`) and run `npm install` again.',
    );
  }
  if (r.status !== 0) fail(`git ${args.join(' ')} failed: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

function sha256(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

export function bundlePath() {
  // Its `exports` map hides package.json, so look the folder up the way Node does.
  const require = createRequire(path.join(ROOT, 'package.json'));
  const pkgJson = (require.resolve.paths('node-llama-cpp') ?? [])
    .map((dir) => path.join(dir, 'node-llama-cpp', 'package.json'))
    .find((file) => existsSync(file));
  if (!pkgJson)
    fail(`node-llama-cpp@${PINNED.nodeLlamaCpp} is not installed, and deps/ggml is missing. Run \`npm install\` in the repository (it is a devDependency).`);
  const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  if (version !== PINNED.nodeLlamaCpp) fail(`node-llama-cpp ${version} is installed but ${PINNED.nodeLlamaCpp} is pinned; run \`npm ci\`.`);
  return path.join(path.dirname(pkgJson), 'llama', 'gitRelease.bundle');
}

/** Makes sure deps/llama.cpp.git is a verified bare clone of the pinned bundle; returns its path. */
export async function ensureBareClone() {
  if (existsSync(path.join(BARE_CLONE, 'HEAD'))) return BARE_CLONE;
  const bundle = bundlePath();
  const digest = await sha256(bundle);
  if (digest !== PINNED.bundleSha256) fail(`${bundle} has sha256 ${digest}, expected ${PINNED.bundleSha256}; the package is corrupt or not the pinned one.`);
  mkdirSync(DEPS, { recursive: true });
  const tmp = `${BARE_CLONE}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  git(['clone', '--quiet', '--bare', bundle, tmp]);
  renameSync(tmp, BARE_CLONE);
  return BARE_CLONE;
}

export async function extractGgml() {
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === PINNED.commit) return GGML_DIR;
  const clone = await ensureBareClone();
  const tmp = `${GGML_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tar = git(['--git-dir', clone, 'archive', '--format=tar', PINNED.commit, 'ggml']);
  const untar = spawnSync('tar', ['-x', '-C', tmp, '--strip-components=1'], { input: tar });
  if (untar.status !== 0) fail(`extracting ggml failed: ${untar.stderr?.toString() ?? untar.error}`);
  writeFileSync(path.join(tmp, '.fathom-source'), `${PINNED.commit}\n`);
  rmSync(GGML_DIR, { recursive: true, force: true });
  renameSync(tmp, GGML_DIR);
  console.log(`fathom-llm: extracted ggml (llama.cpp ${PINNED.commit.slice(0, 10)}) into deps/ggml`);
  return GGML_DIR;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await extractGgml();
