#!/usr/bin/env node
// A native-solc command line over the npm `solc` package (solcjs), so that py-solc-x and
// brownie compile offline. It answers the subset they call:
//   solc --version
//   solc --standard-json [--allow-paths P[,P…]] [--base-path P] [--include-path P] < input.json
// Imports the compiler asks for are read from disk: as given, then under the base path,
// every include path and allowed path, and the project's node_modules.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(projectRoot, 'package.json'));
const solc = require('solc');

const args = process.argv.slice(2);
const searchRoots = [process.cwd()];
const takeList = (flag) => {
  const i = args.indexOf(flag);
  if (i >= 0 && i + 1 < args.length) {
    for (const p of args[i + 1].split(',')) if (p) searchRoots.push(resolve(p));
  }
};

function versionText() {
  // solcjs reports e.g. "0.8.28+commit.7893614a.Emscripten.clang"; py-solc-x reads the semver.
  const full = solc.version();
  return `solc, the solidity compiler commandline interface\nVersion: ${full}\n`;
}

function findImport(path) {
  const candidates = isAbsolute(path) ? [path] : [...searchRoots.map((r) => join(r, path)), join(projectRoot, 'node_modules', path), join(projectRoot, path)];
  for (const c of candidates) {
    if (existsSync(c)) return { contents: readFileSync(c, 'utf8') };
  }
  return { error: `File not found: ${path} (searched ${candidates.join(', ')})` };
}

if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(versionText());
} else if (!args.includes('--standard-json')) {
  process.stderr.write('This solc shim supports only --version and --standard-json (input on stdin).\n');
  process.exitCode = 2;
} else {
  ['--allow-paths', '--base-path', '--include-path'].forEach(takeList);
  const input = readFileSync(0, 'utf8');
  const output = solc.compile(input, { import: findImport });
  // No process.exit(): it would cut output to a pipe at 64-128 KiB before it drains.
  process.stdout.write(output);
}
