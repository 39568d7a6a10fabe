/**
 * Steward's command line for event sources, managers, operators and engineers.
 * Run `npx tsx client.ts --help`. Every command takes `--json` for machine-readable output and
 * exits non-zero with a message that names the problem. The functions behind it are importable:
 * `StewardClient` (runtime/steward-client.ts) and the audit store (audit/store.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { openAuditStore } from './audit/store.js';
import { formatAuditStory, toExportJson } from './audit/story.js';
import type { AuditStore } from './audit/types.js';
import { findApprover, loadApprovers } from './policies/approvers.js';
import { resolveApprovalSecret } from './runtime/approval-secret.js';
import { approverKey } from './runtime/approval-tokens.js';
import { loadConfig, type StewardEnv } from './runtime/config.js';
import { connectClient } from './runtime/connection.js';
import { StewardClient } from './runtime/steward-client.js';

type Print = (human: string, machine: unknown) => void;

export function buildCli(io: { out: (s: string) => void } = { out: (s) => console.log(s) }): Command {
  const program = new Command('client.ts')
    .description('Start, inspect, approve and audit Steward workflows')
    .option('--json', 'print JSON instead of text')
    .showHelpAfterError()
    .exitOverride();
  const print: Print = (human, machine) => io.out(program.opts().json ? JSON.stringify(machine, null, 2) : human);
  let env: StewardEnv | undefined;
  const config = () => (env ??= loadConfig());
  const steward = async () => new StewardClient(await connectClient(config()), config().TEMPORAL_TASK_QUEUE);
  const withAudit = async <T>(fn: (store: AuditStore) => Promise<T>) => {
    const store = await openAuditStore({ databaseUrl: config().DATABASE_URL, sqlitePath: join(config().STEWARD_DATA_DIR, 'audit.sqlite') });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  program
    .command('start')
    .description('start the refund workflow for a ticket event (JSON file, or - for stdin); a ticket id already started starts nothing')
    .argument('<event-file>')
    .action(async (file: string) => {
      const text = readFileSync(file === '-' ? 0 : file, 'utf8');
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (err) {
        throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
      }
      const result = await (await steward()).startTicket(event);
      print(result.started ? `started ${result.workflowId}` : `${result.workflowId} already exists for this ticket; nothing started`, result);
    });

  program
    .command('state')
    .description("show a workflow's state (current step, blocked reason, next allowed actions)")
    .argument('<workflow-id>')
    .action(async (id: string) => {
      const state = await (await steward()).state(id);
      print(JSON.stringify(state, null, 2), state);
    });

  for (const [name, verdict, help] of [
    ['approve', 'approve', 'approve the pending refund'],
    ['reject', 'reject', 'reject the pending refund (the customer is told)'],
    ['request-info', 'request_info', 'ask for more information before deciding'],
  ] as const) {
    program
      .command(name)
      .description(help)
      .argument('<workflow-id>')
      .requiredOption('--approver <id>', 'your approver id (policies/approvers.yaml)')
      .option('--key <hex>', 'your approver key (default: STEWARD_APPROVER_KEY)')
      .option('--comment <text>', 'reason or question')
      .option('--digest <sha256>', 'digest of the action you reviewed (default: the one pending now)')
      .action(async (id: string, opts: { approver: string; key?: string; comment?: string; digest?: string }) => {
        const approverKey = opts.key ?? config().STEWARD_APPROVER_KEY;
        if (!approverKey) throw new Error('no approver key: pass --key or set STEWARD_APPROVER_KEY (an admin issues it with `client.ts approvers issue-key <id>`)');
        const answer = await (await steward()).decide(id, verdict, { approver: opts.approver, approverKey, comment: opts.comment, actionDigest: opts.digest });
        if (answer.status === 'refused') throw new Error(`refused: ${answer.reason}`);
        print(`${verdict} accepted for ${id}`, answer);
      });
  }

  for (const [name, help] of [
    ['retry', 'retry the step a paused workflow is waiting on'],
    ['abort', 'stop a paused workflow safely (no further side effects)'],
  ] as const) {
    program
      .command(name)
      .description(help)
      .argument('<workflow-id>')
      .requiredOption('--operator <id>', 'who decides')
      .option('--note <text>', 'why')
      .action(async (id: string, opts: { operator: string; note?: string }) => {
        const client = await steward();
        await (name === 'retry' ? client.retry(id, opts.operator, opts.note) : client.abort(id, opts.operator, opts.note));
        print(`${name} sent to ${id}`, { workflowId: id, sent: name });
      });
  }

  program
    .command('provide-identifier')
    .description('answer "which account is yours?" for a workflow waiting on the customer')
    .argument('<workflow-id>')
    .option('--customer-id <cus_...>', 'billing customer id')
    .option('--email <address>', 'account email')
    .requiredOption('--by <id>', 'who supplies it')
    .action(async (id: string, opts: { customerId?: string; email?: string; by: string }) => {
      await (await steward()).provideIdentifier(id, { customerId: opts.customerId, email: opts.email, providedBy: opts.by });
      print(`identifier sent to ${id}`, { workflowId: id, sent: 'provideData' });
    });

  program
    .command('billing-synced')
    .description('tell a workflow waiting on billing data that billing has synced')
    .argument('<workflow-id>')
    .action(async (id: string) => {
      await (await steward()).billingSynced(id);
      print(`billingSynced sent to ${id}`, { workflowId: id, sent: 'billingSynced' });
    });

  program
    .command('waiting')
    .description('list runs waiting for a manager approval')
    .action(async () => {
      const runs = await (await steward()).waitingForApproval();
      print(runs.length ? runs.map((r) => `${r.workflowId}  ticket ${r.ticketId}  ${r.customerId}  $${r.refundAmountUsd}  since ${r.startTime}`).join('\n') : 'no run is waiting for approval', runs);
    });

  const approvers = program.command('approvers').description('who may approve refunds (policies/approvers.yaml)');
  approvers
    .command('list')
    .description('approvers, their roles and limits')
    .action(() => {
      const file = loadApprovers();
      const rows = file.approvers.map((a) => ({ ...a, maxAmountUsd: file.roles[a.role]?.max_amount_usd ?? null }));
      print(rows.map((a) => `${a.id}  ${a.name} <${a.email}>  ${a.role} up to $${a.maxAmountUsd}`).join('\n'), rows);
    });
  approvers
    .command('issue-key')
    .description("admin: print an approver's personal key (needs the server's STEWARD_APPROVAL_SECRET); hand it over privately")
    .argument('<approver-id>')
    .action((approverId: string) => {
      if (!findApprover(loadApprovers(), approverId)) throw new Error(`${approverId} is not in policies/approvers.yaml`);
      const key = approverKey(resolveApprovalSecret(config()), approverId);
      print(key, { approver: approverId, key });
    });

  const audit = program.command('audit').description('read and verify the audit trail');
  audit
    .command('show', { isDefault: true })
    .description("a workflow's audit trail as a story (the default: `audit <workflow-id>`)")
    .argument('<workflow-id>')
    .action(async (id: string) => {
      const records = await withAudit((s) => s.listByWorkflow(id));
      if (records.length === 0) throw new Error(`no audit records for ${id}`);
      print(formatAuditStory(records), toExportJson(records));
    });
  audit
    .command('verify')
    .description("check the hash chain of one workflow's records, or of the whole store")
    .argument('[workflow-id]')
    .action(async (id?: string) => {
      const result = await withAudit((s) => s.verify(id));
      const human = result.ok
        ? `audit chain intact: ${result.recordsChecked} records in ${result.workflowsChecked} workflow(s)`
        : ['AUDIT CHAIN BROKEN', ...result.breaks.map((b) => `  ${b.workflowId} record ${b.chainIndex}${b.eventId ? ` (${b.eventId})` : ''}: ${b.problem}`)].join('\n');
      print(human, result);
      if (!result.ok) process.exitCode = 3;
    });
  audit
    .command('export')
    .description('every record with timestamp in [from, to), as JSON, for compliance')
    .requiredOption('--from <iso>', 'start (inclusive)')
    .requiredOption('--to <iso>', 'end (exclusive)')
    .action(async (opts: { from: string; to: string }) => {
      for (const [flag, value] of Object.entries(opts)) if (Number.isNaN(Date.parse(value))) throw new Error(`--${flag} ${value} is not an ISO-8601 date`);
      const records = await withAudit((s) => s.listByTimeRange(opts.from, opts.to));
      io.out(JSON.stringify(toExportJson(records), null, 2));
    });

  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv).then((code) => process.exit(code));
}
