import { GENESIS_HASH, recordHash } from './canonical.js';
import { rowToRecord, type AuditEventRow } from './schema.js';
import type { ChainBreak } from './types.js';

export interface ChainHead {
  lastIndex: number;
  lastHash: string;
}

/**
 * Walks one workflow's chain in `chain_index` order, a page at a time, and names every break:
 *
 * - a record whose stored hash is not the hash of its own fields: it was modified in place;
 * - a record whose `prev_hash` is not the hash of the record before it: the earlier record was
 *   replaced together with its hash (a more careful forger), or this link was edited;
 * - a gap in `chain_index`: records deleted from the middle;
 * - a chain head (`audit_chain_heads`, written in the same transaction as every append) that
 *   promises more records than exist, or another last hash: records deleted from, or replaced at,
 *   the end, which the links alone can never show.
 *
 * What it cannot catch: someone with write access to both tables who drops the triggers and
 * rewrites a chain, its hashes and its head consistently. Every check here is computed from data
 * that person controls. The remedy is an anchor outside their reach: periodically publish each
 * head's `last_hash` (or a hash over all heads) to a write-once place — an object-lock bucket, a
 * transparency log, a signed timestamp, another team's system — and compare on verify. Steward does
 * not build that anchor yet.
 */
export async function verifyChain(
  workflowId: string,
  head: ChainHead | null,
  pages: AsyncIterable<AuditEventRow[]>,
): Promise<{ recordsChecked: number; breaks: ChainBreak[] }> {
  const breaks: ChainBreak[] = [];
  const report = (chainIndex: number, eventId: string | null, problem: string) => breaks.push({ workflowId, chainIndex, eventId, problem });
  let recordsChecked = 0;
  let expected = 1;
  let previous: { index: number; hash: string } | null = null;

  for await (const page of pages) {
    for (const row of page) {
      recordsChecked += 1;
      const index = Number(row.chain_index);
      if (index < expected) report(index, row.event_id, `record ${index} appears more than once`);
      if (index > expected) report(expected, null, `${missingRange(expected, index - 1)} (${expected === 1 ? `chain starts at ${index}` : `chain jumps from ${expected - 1} to ${index}`})`);

      const recomputed = recomputeHash(row);
      if (recomputed === null) report(index, row.event_id, `record ${index} was modified (details are not valid JSON)`);
      else if (recomputed !== row.hash) report(index, row.event_id, `record ${index} was modified (hash mismatch)`);

      if (index === 1 && row.prev_hash !== GENESIS_HASH) {
        report(index, row.event_id, 'prev_hash of record 1 is not the genesis hash');
      } else if (previous && previous.index === index - 1 && row.prev_hash !== previous.hash) {
        report(index, row.event_id, `prev_hash of record ${index} does not match record ${index - 1} (record ${index - 1} was replaced, or this link was edited)`);
      }
      previous = { index, hash: row.hash };
      expected = Math.max(expected, index + 1);
    }
  }

  const lastFound = previous?.index ?? 0;
  if (!head) {
    if (previous) report(lastFound, null, `no chain head for this workflow though ${recordsChecked} records exist (audit_chain_heads row deleted)`);
  } else if (head.lastIndex > lastFound) {
    const found = lastFound === 0 ? 'none found' : `the chain ends at record ${lastFound}`;
    report(lastFound + 1, null, `chain head says ${head.lastIndex} records but ${found} (${missingRange(lastFound + 1, head.lastIndex, 'deleted')} from the end)`);
  } else if (head.lastIndex < lastFound) {
    report(head.lastIndex + 1, null, `chain head says ${head.lastIndex} records but the chain goes on to record ${lastFound} (records added outside the store)`);
  } else if (previous && head.lastHash !== previous.hash) {
    report(lastFound, null, `chain head hash does not match record ${lastFound} (the last record was replaced after it was appended)`);
  }
  return { recordsChecked, breaks };
}

function missingRange(from: number, to: number, verb = 'missing'): string {
  return from === to ? `record ${from} ${verb === 'missing' ? 'is missing' : 'was deleted'}` : `records ${from}-${to} ${verb === 'missing' ? 'are missing' : 'were deleted'}`;
}

/** The hash the row should carry, or null if it cannot even be read back. */
function recomputeHash(row: AuditEventRow): string | null {
  try {
    return recordHash(rowToRecord(row));
  } catch {
    return null;
  }
}
