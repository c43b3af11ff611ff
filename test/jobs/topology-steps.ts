/**
 * YAML steps the whole-run tests of identity, expectations and personal data share: the header with a dead-letter
 * sink `dlq`, a generator source, the event parser, the identity step keyed by its one key, and the file sinks.
 */
import type { IdentityOptions } from '../../src/connectors/generator/ecommerce-identity.js';

/** The generator's identity options: its defaults, with `overrides`. */
export function generatedPersons(overrides: Partial<IdentityOptions>): IdentityOptions {
  const defaults = { accountShare: 0.8, maxDevices: 3, loginShare: 0.3, phoneShare: 0.6, householdSize: 3, sharedDeviceShare: 0.2 };
  return { ...defaults, sharedSessionShare: 0.1, cookieLifetime: 7 * 86_400_000, ...overrides };
}

/** The identifier types of the generator's events, in priority order, with their fields. */
export const GENERATED_IDENTIFIERS = [
  ['account', 'accountId'],
  ['phone', 'phone'],
  ['device', 'deviceId'],
  ['cookie', 'cookieId'],
] as const;

export function header(name: string, runtime = ''): string {
  return `name: ${name}\ndeadLetter: dlq\nruntime: { workers: 2, slots: 4${runtime} }\nsteps:\n`;
}

/** The generator source `events` and the parse step (bad events dead-lettered). */
export function generatorAndParse(options: object, eventTime: string, extra = ''): string {
  return `  - id: events
    op: source
    connector: ${JSON.stringify({ type: 'generator', ...options })}
    eventTime: ${eventTime}
${extra}  - id: parse
    op: map
    fn: flywheel:jobs/events/parse-event.js#parseEvent
    onError: deadLetter
`;
}

/** keyBy identityKey and the identity step over the generated identifiers, with extra `with:` lines. */
export function identitySteps(limits: string): string {
  return `  - id: by-identity
    op: keyBy
    fn: flywheel:jobs/identity/processors.js#identityKey
  - id: identity
    op: process
    processor: flywheel:jobs/identity/processors.js#identity
    with:
      identifiers: ${JSON.stringify(GENERATED_IDENTIFIERS.map(([type, field]) => ({ type, field })))}
      links: [[account, device], [account, phone], [device, cookie]]
${limits}`;
}

/** A file sink, and the dead-letter sink `dlq` last. */
export function fileSink(id: string, from: string | null): string {
  return `  - id: ${id}\n    op: sink\n${from === null ? '' : `    from: ${from}\n`}    connector: { type: file, path: ./${id}.jsonl }\n`;
}

export const deadLetterSink = fileSink('dlq', '[]');

/**
 * User features over the identity step's unified `userId` that follow its merges: the merges fanned out per moved
 * identifier, joined with the events, the transfer step keyed by identifier, then the feature step, with `options`
 * as both steps' `with` (docs/identity.md, "What a merge means downstream").
 */
export function featuresFollowingMerges(options: string): string {
  const keyedProcess = (keyBy: string, keyFn: string, id: string, processor: string) =>
    `  - { id: ${keyBy}, op: keyBy, fn: 'flywheel:jobs/features/processors.js#${keyFn}' }\n` +
    `  - { id: ${id}, op: process, processor: 'flywheel:jobs/features/processors.js#${processor}', with: ${options} }\n`;
  return `  - id: merge-members
    op: flatMap
    from: identity.merges
    fn: flywheel:jobs/features/processors.js#mergeMembers
  - id: events-and-moves
    op: union
    from: [identity, merge-members]
${keyedProcess('by-member', 'memberKey', 'user-transfers', 'userFeatureTransfers')}${keyedProcess('by-user', 'featureKey', 'user-features', 'userFeatures')}`;
}
