import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../runtime/temporal-cli.js';

/** Sources that can end up in the workflow bundle. */
const BUNDLED_DIRS = ['workflows', 'policies', 'activities/kit', 'audit'];

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) hash.update(relative(PROJECT_ROOT, path)).update(readFileSync(path));
    }
  };
  for (const dir of BUNDLED_DIRS) walk(join(PROJECT_ROOT, dir));
  hash.update(readFileSync(join(PROJECT_ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Bundles workflows/ once per source version and reuses it across test files (each file is its
 * own process under node --test), as DESIGN.md advises: bundling is the slow part of a worker start.
 */
export async function workflowBundle(): Promise<WorkflowBundle> {
  const file = join(tmpdir(), `steward-workflows-${sourceHash()}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({ workflowsPath: join(PROJECT_ROOT, 'workflows', 'index.ts'), logger: quietLogger });
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { code };
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m) };
