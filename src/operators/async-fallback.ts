/**
 * An async step's fallback: for a record whose call failed for good, the output a template gives instead of the
 * answer (the copy step's template text when the language model timed out, failed or answered garbage), marked with
 * the cause, and the side-output record that counts it: `{ recordId, step, cause, reason }` on port `fallbacks`,
 * counted in `flywheel_records_in_total` of the sink it is routed to.
 */
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import { CallFailure, type FailureCause } from './call-failure.js';
import { fieldTemplate, type FieldTemplate } from './field-template.js';

export const FALLBACK_PORT = 'fallbacks';

export interface FallbackRecord {
  recordId: string;
  step: string;
  cause: FailureCause;
  reason: string;
}

export interface Fallback {
  /** The text the template gives for this record; throws a bad-record error when it names a field the record lacks. */
  text(record: unknown): string;
  /** The field of the output that names the cause. */
  readonly markField: string;
  /** The side-output record of one fallback. */
  record(recordId: string, error: unknown): FallbackRecord;
}

export function fallbackOf(stepId: string, settings: { template: string; markField: string }): Fallback {
  const text: FieldTemplate = fieldTemplate(
    settings.template,
    (value) => value,
    (path) => {
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `the fallback template names field '${path}', which the record has no text or number at`,
        { stepId },
        'give every record that field, or take it out of fallback.template',
      );
    },
  );
  return {
    text,
    markField: settings.markField,
    record: (recordId, error) => ({
      recordId,
      step: stepId,
      cause: error instanceof CallFailure ? error.failedBy : 'failed',
      reason: error instanceof Error ? error.message : String(error),
    }),
  };
}
