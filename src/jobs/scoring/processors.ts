/**
 * The stream modes of scoring, as a topology names them (`flywheel:jobs/scoring/processors.js#recommendations`):
 * keyed by user, each reads requests from a stream (a Kafka topic, say) and emits one answer per request, computed
 * from the job's committed state exactly as the HTTP routes compute it (scorer.ts).
 *   recommendations  { requestId, userId, k?, device?, ts? } -> { requestId, status: 'ok', items, version, ... }
 *   decisions        { requestId, userId, context, model?, itemId?, device?, ts? } -> { requestId, status: 'ok',
 *                    decision, version, ... }
 * A malformed request fails the step with BAD_RECORD and a message naming the field (with `onError: deadLetter` it
 * goes to the dead-letter destination with that reason); while the model has no published version the answer is
 * `{ requestId, userId, status: 'unavailable', reason }`, so a requester is never left without an answer. The
 * decisions step serves its rules file at GET /rules (read-only).
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { decisionRequestSchema, recommendationRequestSchema } from './request-schemas.js';
import { Scorer, type DecideRequest, type DecisionAnswer, type Recommendation } from './scorer.js';
import { resolveScoringOptions, type ScoringOptions } from './scoring-options.js';
import { rulesRoute } from './rules-route.js';
import type { QueryRoutes } from '../../query/runtime-view.js';

interface StreamRequest {
  requestId: string;
  userId: string;
}

export type StreamAnswer<T> = ({ requestId: string; status: 'ok' } & T) | { requestId: string; userId: string; status: 'unavailable'; reason: string };

interface RecommendationRequest extends StreamRequest {
  k: number;
  device?: string;
}

type DecisionRequest = StreamRequest & DecideRequest;

/** A validated copy of a request (defaults filled in); BAD_RECORD naming the field otherwise. */
function checkedRequest<T>(schema: object, value: unknown, what: string): T {
  const copy = structuredClone(value);
  const problem = validateAgainst(schema, copy);
  if (problem) {
    const field = problem.path.length === 0 ? '' : `${problem.path.join('.')} `;
    throw new FlywheelError(ErrorCodes.BAD_RECORD, `${what} request: ${field}${problem.message}`, {}, 'see the request formats in docs/model.md');
  }
  return copy as T;
}

/** One answer per request; rule evaluation errors on the request's context are the request's fault. */
function answerStream<R extends StreamRequest, T>(
  options: ScoringOptions,
  schema: object,
  what: string,
  compute: (scorer: Scorer, request: R) => T,
): KeyedProcessor<unknown, StreamAnswer<T>> {
  let scorer: Scorer | null = null;
  return {
    onRecord(value: unknown, ctx: ProcessContext<StreamAnswer<T>>) {
      const request = checkedRequest<R>(schema, value, what);
      scorer ??= new Scorer(ctx.lookup, options.steps.model, options);
      try {
        ctx.emit({ requestId: request.requestId, status: 'ok', ...compute(scorer, request) });
      } catch (err) {
        if (!(err instanceof FlywheelError)) throw err;
        if (err.code === ErrorCodes.QUERY) ctx.emit({ requestId: request.requestId, userId: request.userId, status: 'unavailable', reason: err.message });
        else if (err.code === ErrorCodes.EXPRESSION)
          throw new FlywheelError(
            ErrorCodes.BAD_RECORD,
            `${what} request ${request.requestId}: ${err.message}`,
            {},
            'give the context every input the rules declare',
          );
        else throw err;
      }
    },
  };
}

export function recommendations(options: unknown = {}): KeyedProcessor<unknown, StreamAnswer<Recommendation>> {
  const resolved = resolveScoringOptions(options);
  return answerStream<RecommendationRequest, Recommendation>(resolved, recommendationRequestSchema(resolved), 'recommendation', (scorer, r) =>
    scorer.recommend(r.userId, r.k, r.device ?? null),
  );
}

export function decisions(options: unknown = {}): KeyedProcessor<unknown, StreamAnswer<DecisionAnswer>> & { queryRoutes: QueryRoutes } {
  const resolved = resolveScoringOptions(options);
  if (resolved.rules === null)
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      'decisions options: with.rules is required',
      { path: 'with.rules' },
      'name the decision rules file, e.g. rules: topologies/rules/marketing.yaml',
    );
  return {
    ...answerStream<DecisionRequest, DecisionAnswer>(resolved, decisionRequestSchema, 'decision', (scorer, r) => scorer.decide(r)),
    queryRoutes: rulesRoute(resolved.rules, 'decisions'),
  };
}
