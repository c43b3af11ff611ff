/**
 * YAML steps the whole-run tests of identity, expectations and personal data share: the header with a dead-letter
 * sink `dlq`, a generator source, the event parser, the identity step keyed by its one key, and the file sinks.
 */

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
