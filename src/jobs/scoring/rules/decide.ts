/**
 * The hybrid decision: the model proposes (an action with a score and an offer), the rules constrain. Reject rules
 * run first, in order, and the first that fires ends the decision; then every adjust rule whose condition holds
 * rewrites the score and offer fields, in order, each seeing the effects of the ones before. The action is taken
 * when nothing rejected it and the adjusted score reaches the threshold. Every decision lists the rules that fired
 * and what each changed.
 */
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { describeValue, ExpressionTypeError } from './expression-functions.js';
import type { Scope } from './expression-compiler.js';
import { checkedValue } from './plain-data-access.js';
import { MODEL_SCORE_SLOT, OFFER_SLOT, SCORE_SLOT } from './scope-layout.js';
import type { CompiledRule, LocatedExpression, RuleSet, Scalar } from './rules-loader.js';

export interface FiredRule {
  id: string;
  kind: 'reject' | 'adjust';
  reason?: string;
  score?: { from: number; to: number };
  offer?: Record<string, { from: Scalar; to: Scalar }>;
}

export interface Decision {
  /** The proposed action, or null when rejected or below the threshold. */
  action: string | null;
  /** The offer after adjustments (what would be, or is, sent). */
  offer: Record<string, Scalar>;
  /** The model's score as given. */
  score: number;
  /** The score after adjust rules; compared with the threshold. */
  adjustedScore: number;
  rejected: boolean;
  /** The reason of the reject rule that fired. */
  reason?: string;
  firedRules: FiredRule[];
}

function evaluate(rules: RuleSet, rule: CompiledRule, located: LocatedExpression, scope: Scope): unknown {
  try {
    return located.expression.evaluate(scope);
  } catch (err) {
    if (!(err instanceof ExpressionTypeError)) throw err;
    throw failure(rules, rule, located, err.message);
  }
}

function failure(rules: RuleSet, rule: CompiledRule, located: LocatedExpression, message: string): FlywheelError {
  const place = { file: rules.file, path: located.path, ...(located.line !== undefined ? { line: located.line } : {}) };
  return new FlywheelError(
    ErrorCodes.EXPRESSION,
    `rule '${rule.id}': ${message} in \`${located.expression.source}\``,
    place,
    'guard the expression for missing or mistyped inputs (e.g. x != null && ...)',
  );
}

/** The values of one decision by slot, in the order of scope-layout.ts: built-ins, inputs, constants. */
function scopeFor(rules: RuleSet, context: Readonly<Record<string, unknown>>, modelScore: number): unknown[] {
  const scope: unknown[] = [];
  scope[SCORE_SLOT] = modelScore;
  scope[MODEL_SCORE_SLOT] = modelScore;
  scope[OFFER_SLOT] = { ...rules.decision.offer };
  for (const name of rules.inputs) {
    const own = Object.getOwnPropertyDescriptor(context, name);
    if (!own) {
      throw new FlywheelError(
        ErrorCodes.EXPRESSION,
        `the decision context has no input '${name}'`,
        { file: rules.file, path: 'inputs' },
        `pass every input the rules declare: ${rules.inputs.join(', ')} (null when unknown)`,
      );
    }
    try {
      if (!('value' in own)) throw new ExpressionTypeError(`input '${name}' is an accessor, not data`);
      scope.push(checkedValue(own.value, `input '${name}'`));
    } catch (err) {
      throw new FlywheelError(
        ErrorCodes.EXPRESSION,
        (err as Error).message,
        { file: rules.file, path: 'inputs' },
        'decision inputs must be plain data (JSON-like values)',
      );
    }
  }
  for (const value of Object.values(rules.constants)) scope.push(value);
  return scope;
}

function adjust(rules: RuleSet, rule: CompiledRule, scope: unknown[]): FiredRule {
  const fired: FiredRule = { id: rule.id, kind: 'adjust' };
  // All of a rule's expressions see the state before the rule; its effects apply together.
  let score: number | undefined;
  if (rule.score) {
    const value = evaluate(rules, rule, rule.score, scope);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw failure(rules, rule, rule.score, `the score must be a finite number, got ${describeValue(value)}`);
    score = value;
  }
  const offer = scope[OFFER_SLOT] as Record<string, Scalar>;
  const changes: Array<[string, Scalar]> = rule.offer.map(({ field, value }) => {
    const v = evaluate(rules, rule, value, scope);
    const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw failure(rules, rule, value, `offer.${field} must be a finite number, a string or a boolean, got ${describeValue(v)}`);
    return [field, v];
  });
  if (score !== undefined) {
    fired.score = { from: scope[SCORE_SLOT] as number, to: score };
    scope[SCORE_SLOT] = score;
  }
  if (changes.length > 0) {
    const next = { ...offer };
    fired.offer = {};
    for (const [field, to] of changes) {
      fired.offer[field] = { from: offer[field]!, to };
      next[field] = to;
    }
    scope[OFFER_SLOT] = next;
  }
  return fired;
}

/** Decides on the model's proposal for one context (an object holding every input the rules declare). */
export function decide(rules: RuleSet, context: Readonly<Record<string, unknown>>, modelScore: number): Decision {
  if (!Number.isFinite(modelScore))
    throw new FlywheelError(ErrorCodes.BAD_RECORD, `the model score must be a finite number, got ${modelScore}`, { file: rules.file });
  const scope = scopeFor(rules, context, modelScore);
  const firedRules: FiredRule[] = [];
  for (const rule of rules.rules) {
    const holds = evaluate(rules, rule, rule.when, scope);
    if (holds !== true && holds !== false && holds !== null)
      throw failure(rules, rule, rule.when, `the condition must give true or false, got ${describeValue(holds)}`);
    if (holds !== true) continue;
    if (rule.kind === 'reject') {
      firedRules.push({ id: rule.id, kind: 'reject', reason: rule.reason! });
      return {
        action: null,
        offer: scope[OFFER_SLOT] as Record<string, Scalar>,
        score: modelScore,
        adjustedScore: scope[SCORE_SLOT] as number,
        rejected: true,
        reason: rule.reason!,
        firedRules,
      };
    }
    firedRules.push(adjust(rules, rule, scope));
  }
  const adjustedScore = scope[SCORE_SLOT] as number;
  const action = adjustedScore >= rules.decision.threshold ? rules.decision.action : null;
  return { action, offer: scope[OFFER_SLOT] as Record<string, Scalar>, score: modelScore, adjustedScore, rejected: false, firedRules };
}
