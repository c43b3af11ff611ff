/**
 * GET /rules: the rules files the job's steps loaded at start-up, as they are in force (read-only): per file the
 * steps that use it, its inputs, constants, what the model proposes, the decision rules in order with their
 * expressions as written, and the contact rules with what each means in words (contact-rule-meaning.ts). Steps of
 * the scoring routes (POST /decide) and contact steps each contribute theirs; a file two steps load is listed once.
 * A rules file is read as it is, with no environment substitution, so nothing from the environment (a token, a
 * password) can reach this answer; a path inside the working directory is shown relative to it, as topologies give it.
 */
import { isAbsolute, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { contactRuleMeaning, contactRuleSetting } from './rules/contact-rule-meaning.js';
import type { ContactRule } from './rules/contact-rules.js';
import type { CompiledRule, RuleSet, Scalar } from './rules/rules-loader.js';

/** What a step uses the file for: deciding (POST /decide, the decisions stream) or checking actions on the send path. */
export type RulesUse = 'decisions' | 'contact';

export interface DecisionRuleView {
  id: string;
  description: string | null;
  kind: 'reject' | 'adjust';
  when: string;
  /** A reject rule's reason. */
  reject: string | null;
  /** An adjust rule's new score expression. */
  score: string | null;
  /** An adjust rule's new offer values, field -> expression. */
  offer: Record<string, string>;
}

export interface ContactRuleView {
  id: string;
  description: string | null;
  kind: ContactRule['kind'];
  channels: string[] | null;
  /** The rule's setting as written: `3d`, `2 in 7d`, `21:00-08:00`. */
  setting: string;
  meaning: string;
}

export interface RulesFileView {
  file: string;
  steps: Array<{ step: string; use: RulesUse }>;
  inputs: string[];
  constants: Record<string, Scalar>;
  decision: { action: string; threshold: number; offer: Record<string, Scalar> };
  rules: DecisionRuleView[];
  contact: { timeZoneField: string; defaultTimeZone: string; rules: ContactRuleView[] } | null;
}

export interface RulesAnswer {
  files: RulesFileView[];
}

function decisionRule(rule: CompiledRule): DecisionRuleView {
  return {
    id: rule.id,
    description: rule.description ?? null,
    kind: rule.kind,
    when: rule.when.expression.source,
    reject: rule.reason ?? null,
    score: rule.score?.expression.source ?? null,
    offer: Object.fromEntries(rule.offer.map((o) => [o.field, o.value.expression.source])),
  };
}

/** Relative to the working directory when the file is inside it, as topologies name rules files; else as loaded. */
function shownPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

function fileView(ruleSet: RuleSet): RulesFileView {
  const { contact } = ruleSet;
  return {
    file: shownPath(ruleSet.file),
    steps: [],
    inputs: ruleSet.inputs,
    constants: ruleSet.constants,
    decision: ruleSet.decision,
    rules: ruleSet.rules.map(decisionRule),
    contact: contact && {
      timeZoneField: contact.timeZoneField,
      defaultTimeZone: contact.defaultTimeZone,
      rules: contact.rules.map((r) => ({
        id: r.id,
        description: r.description ?? null,
        kind: r.kind,
        channels: r.channels === null ? null : [...r.channels],
        setting: contactRuleSetting(r),
        meaning: contactRuleMeaning(r, contact),
      })),
    },
  };
}

const SCALAR = { type: ['number', 'string', 'boolean'] };
const NULLABLE_STRING = { type: ['string', 'null'] };
const object = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const responseSchema = object({
  files: {
    type: 'array',
    items: object({
      file: { type: 'string', description: 'relative to the working directory' },
      steps: { type: 'array', items: object({ step: { type: 'string' }, use: { type: 'string', enum: ['decisions', 'contact'] } }) },
      inputs: { type: 'array', items: { type: 'string' } },
      constants: { type: 'object', additionalProperties: SCALAR },
      decision: object({ action: { type: 'string' }, threshold: { type: 'number' }, offer: { type: 'object', additionalProperties: SCALAR } }),
      rules: {
        type: 'array',
        description: 'decision rules in the order they apply: rejects first, then adjustments',
        items: object({
          id: { type: 'string' },
          description: NULLABLE_STRING,
          kind: { type: 'string', enum: ['reject', 'adjust'] },
          when: { type: 'string' },
          reject: NULLABLE_STRING,
          score: NULLABLE_STRING,
          offer: { type: 'object', additionalProperties: { type: 'string' } },
        }),
      },
      contact: {
        type: ['object', 'null'],
        additionalProperties: false,
        required: ['timeZoneField', 'defaultTimeZone', 'rules'],
        properties: {
          timeZoneField: { type: 'string' },
          defaultTimeZone: { type: 'string' },
          rules: {
            type: 'array',
            description: 'checked in order on the send path; the first broken rule suppresses the action',
            items: object({
              id: { type: 'string' },
              description: NULLABLE_STRING,
              kind: { type: 'string', enum: ['minGap', 'maxPerWindow', 'quietHours'] },
              channels: { type: ['array', 'null'], items: { type: 'string' } },
              setting: { type: 'string' },
              meaning: { type: 'string' },
            }),
          },
        },
      },
    }),
  },
});

/** The files listed per app: every step that loaded rules adds to the one GET /rules of its endpoint. */
const listedByApp = new WeakMap<FastifyInstance, Map<string, RulesFileView>>();

/** The routes of a step that loaded `ruleSet`: its part of GET /rules (the route itself comes with the first such step). */
export function rulesRoute(ruleSet: RuleSet, use: RulesUse): QueryRoutes {
  return (app, { stepId }) => {
    let files = listedByApp.get(app);
    if (!files) {
      const listed = new Map<string, RulesFileView>();
      files = listed;
      listedByApp.set(app, listed);
      app.get(
        '/rules',
        {
          schema: {
            summary: 'The rules files in force: decision rules and contact rules, with what each contact rule means',
            response: { 200: responseSchema },
          },
        },
        async (): Promise<RulesAnswer> => ({ files: [...listed.values()] }),
      );
    }
    const view = files.get(ruleSet.file) ?? fileView(ruleSet);
    view.steps.push({ step: stepId, use });
    files.set(ruleSet.file, view);
  };
}
