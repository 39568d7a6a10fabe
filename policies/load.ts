import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import { RefundPolicySchema, type RefundPolicy } from './schema.js';

export const POLICIES_DIR = dirname(fileURLToPath(import.meta.url));

/** Reads a YAML policy file and checks it; the error names the file and every bad field. */
export function loadPolicyFile<S extends z.ZodType>(schema: S, file: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`policy file ${file} cannot be read: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`policy file ${file} is invalid:\n${problems.join('\n')}`);
  }
  return result.data;
}

export function loadRefundPolicy(file = join(POLICIES_DIR, 'refund-policy.yaml')): RefundPolicy {
  return loadPolicyFile(RefundPolicySchema, file);
}
