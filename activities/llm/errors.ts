/** What was wrong with a model's answer. */
export type MalformedOutputProblem =
  /** The API answered 200 with a body that is not JSON (e.g. cut off mid-way). */
  | 'unparseable_response'
  /** The model (or its safety classifier) declined: `stop_reason: "refusal"`. */
  | 'refusal'
  /** No `tool_use` block although the tool was forced (e.g. a text-only answer). */
  | 'no_tool_use'
  /** A `tool_use` block for a tool we did not offer. */
  | 'wrong_tool'
  /** The tool input is not an object, or fails the schema (wrong types, unknown intent, range). */
  | 'invalid_input';

/**
 * The model answered, but not in a shape Steward can use. Thrown instead of guessing: the activity
 * layer decides whether to retry (a fresh sample often fixes it) or hand the ticket to a person.
 * The message names the problem and the offending fields, never the prompt or any credential.
 */
export class MalformedModelOutputError extends Error {
  override readonly name = 'MalformedModelOutputError';

  constructor(
    readonly task: 'classify_ticket' | 'draft_reply',
    readonly problem: MalformedOutputProblem,
    readonly details: string[],
    readonly model: string,
  ) {
    super(`${model} returned malformed output for ${task} (${problem}): ${details.join('; ')}`);
  }
}
