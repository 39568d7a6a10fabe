import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson } from '../../audit/canonical-json.js';

/**
 * SHA-256 over the same canonical JSON the audit chain hashes (sorted keys). Pure JavaScript, so
 * it runs in the workflow sandbox and gives the same digest on the worker, in the client and in a
 * replay.
 */
export function digestOf(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(value))));
}
