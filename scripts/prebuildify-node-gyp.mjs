#!/usr/bin/env node
// prebuildify drives node-gyp; this stands in for it (`prebuildify --node-gyp <this file>`) and
// turns its arguments into a cmake-js build of the addon: `rebuild --target=… --arch=… --release`.
// A prebuild must run on any CPU of its architecture, so it is built without this machine's
// instruction sets (FATHOM_PORTABLE=1; see build-native.mjs).
import { buildNative } from './build-native.mjs';

const args = process.argv.slice(2);
if (args[0] !== 'rebuild') {
  console.error(`prebuildify-node-gyp: only "rebuild" is supported, got ${args.join(' ')}`);
  process.exit(1);
}
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const cmakeArgs = [];
if (option('arch')) cmakeArgs.push('--arch', option('arch'));
if (args.includes('--debug')) cmakeArgs.push('--debug');
process.env.FATHOM_PORTABLE = '1';
await buildNative(cmakeArgs, 'rebuild');
