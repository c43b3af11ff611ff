/**
 * Loads a decision rules file: YAML parsed with positions, checked against the rules schema, names checked, and every
 * expression compiled once. Any problem stops loading with FW_ERR_RULES_INVALID naming the file, the YAML path
 * (`rules[3].when`), the line, and what is expected.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { validateAgainst } from '../../../graph/schema-validator.js';
import { lineOf, printPath, type YamlPath } from '../../../graph/yaml-positions.js';
import { ErrorCodes, FlywheelError } from '../../../core/errors.js';
import { compileContact, type RawContact } from './contact-rules-compile.js';
import type { ContactRules } from './contact-rules.js';
import { compileExpression, ExpressionCompileError, type CompiledExpression } from './expression-compiler.js';
import { FUNCTION_NAMES } from './expression-functions.js';
import { FORBIDDEN_NAMES } from './plain-data-access.js';
import { rulesFileSchema } from './rules-schema.js';
import { BUILT_IN_NAMES, scopeLayout } from './scope-layout.js';

export type Scalar = number | string | boolean;

/** A compiled expression and where it was written, for errors raised while evaluating it. */
export interface LocatedExpression {
  expression: CompiledExpression;
  path: string;
  line?: number;
}

export interface CompiledRule {
  id: string;
  description?: string;
  kind: 'reject' | 'adjust';
  when: LocatedExpression;
  /** For reject rules: why the decision is rejected. */
  reason?: string;
  /** For adjust rules: the new adjusted score. */
  score?: LocatedExpression;
  /** For adjust rules: new values of offer fields. */
  offer: Array<{ field: string; value: LocatedExpression }>;
}

export interface RuleSet {
  file: string;
  inputs: string[];
  constants: Record<string, Scalar>;
  decision: { action: string; threshold: number; offer: Record<string, Scalar> };
  /** In file order; every reject rule comes before the first adjust rule. */
  rules: CompiledRule[];
  /** The contact rules the send path checks (the file's `contact:` section), or null without one. */
  contact: ContactRules | null;
}

interface RawRule {
  id: string;
  description?: string;
  when: string | number | boolean;
  reject?: string;
  adjust?: { score?: string | number | boolean; offer?: Record<string, string | number | boolean> };
}

interface RawRules {
  inputs: string[];
  constants: Record<string, Scalar>;
  decision: RuleSet['decision'];
  rules: RawRule[];
  contact?: RawContact;
}

const FORMAT_HINT =
  'a rules file has inputs: [names], constants: {name: value}, decision: {action, threshold, offer: {field: value}}, rules: [{id, description, when, reject: reason | adjust: {score, offer: {field: expression}}}] and optionally contact: {timeZoneField, defaultTimeZone, rules: [{id, channels, minGap | maxPerWindow: {count, window} | quietHours: {from, to}}]}';

class RulesLoader {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  private slots = new Map<string, number>();

  constructor(
    private readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const err = this.doc.errors[0];
    if (err) {
      const line = this.lines.linePos(err.pos[0]).line;
      throw new FlywheelError(
        ErrorCodes.RULES_INVALID,
        `YAML syntax: ${err.message.split('\n')[0]}`,
        { file, line },
        'fix the YAML syntax (indentation, quotes, colons)',
      );
    }
  }

  private fail(path: YamlPath, message: string, hint: string): never {
    const line = lineOf(this.doc, this.lines, path);
    throw new FlywheelError(
      ErrorCodes.RULES_INVALID,
      message,
      { file: this.file, path: printPath(path) || '(top level)', ...(line !== undefined ? { line } : {}) },
      hint,
    );
  }

  load(): RuleSet {
    const data = this.doc.toJS() as RawRules | null;
    if (!data || typeof data !== 'object') this.fail([], 'the rules file is empty', 'write a mapping with inputs, decision and rules');
    const problem = validateAgainst(rulesFileSchema, data);
    if (problem) {
      // Point an unknown key at its own line rather than at the mapping that holds it.
      const unknownKey = /^unknown key '(.*)'$/.exec(problem.message)?.[1];
      const path = unknownKey === undefined ? problem.path : [...problem.path, unknownKey];
      this.fail(path, `${printPath(problem.path) || 'rules file'} ${problem.message}`, FORMAT_HINT);
    }
    this.checkNames(data);
    const compiled = data.rules.map((rule, i) => this.rule(rule, i, data));
    const firstAdjust = compiled.findIndex((r) => r.kind === 'adjust');
    const lateReject = compiled.findIndex((r, i) => r.kind === 'reject' && firstAdjust >= 0 && i > firstAdjust);
    if (lateReject >= 0) {
      this.fail(
        ['rules', lateReject],
        `reject rule '${compiled[lateReject]!.id}' comes after adjust rule '${compiled[firstAdjust]!.id}'`,
        'hard rejects come first: move every reject rule above the first adjust rule',
      );
    }
    const contact =
      data.contact === undefined
        ? null
        : compileContact(
            data.contact,
            data.rules.map((r) => r.id),
            (path, message, hint) => this.fail(path, message, hint),
          );
    return { file: this.file, inputs: data.inputs, constants: data.constants, decision: data.decision, rules: compiled, contact };
  }

  private checkNames(data: RawRules): void {
    const reserved = new Set<string>([...BUILT_IN_NAMES, ...FUNCTION_NAMES, ...FORBIDDEN_NAMES]);
    const declared = new Set<string>();
    const declare = (name: string, path: YamlPath) => {
      if (reserved.has(name)) this.fail(path, `'${name}' is a reserved name`, `rename it; reserved: ${[...BUILT_IN_NAMES, ...FUNCTION_NAMES].join(', ')}`);
      if (declared.has(name)) this.fail(path, `'${name}' is declared twice (as an input and a constant)`, 'give the constant another name');
      declared.add(name);
    };
    data.inputs.forEach((name, i) => declare(name, ['inputs', i]));
    for (const name of Object.keys(data.constants)) declare(name, ['constants', name]);
    this.slots = scopeLayout(data.inputs, Object.keys(data.constants));
  }

  private expression(source: string | number | boolean, path: YamlPath): LocatedExpression {
    try {
      const line = lineOf(this.doc, this.lines, path);
      return { expression: compileExpression(String(source), this.slots), path: printPath(path), ...(line !== undefined ? { line } : {}) };
    } catch (err) {
      if (!(err instanceof ExpressionCompileError)) throw err;
      this.fail(
        path,
        `${printPath(path)}: ${err.message} in \`${String(source)}\``,
        'expressions use inputs, constants, score, modelScore, offer, arithmetic, comparisons, && || ! ?: and the functions ' + FUNCTION_NAMES.join(', '),
      );
    }
  }

  private rule(raw: RawRule, i: number, data: RawRules): CompiledRule {
    const at: YamlPath = ['rules', i];
    const duplicate = data.rules.findIndex((r) => r.id === raw.id);
    if (duplicate < i)
      this.fail(
        [...at, 'id'],
        `rule id '${raw.id}' is already used by rules[${duplicate}]`,
        'give every rule a unique id: decisions record the ids of the rules that fired',
      );
    if ((raw.reject === undefined) === (raw.adjust === undefined))
      this.fail(at, `rule '${raw.id}' needs exactly one of 'reject' or 'adjust'`, 'reject: <reason> stops the decision; adjust: {score, offer} changes it');
    const rule: CompiledRule = {
      id: raw.id,
      kind: raw.reject !== undefined ? 'reject' : 'adjust',
      when: this.expression(raw.when, [...at, 'when']),
      offer: [],
    };
    if (raw.description !== undefined) rule.description = raw.description;
    if (raw.reject !== undefined) rule.reason = raw.reject;
    if (raw.adjust?.score !== undefined) rule.score = this.expression(raw.adjust.score, [...at, 'adjust', 'score']);
    for (const [field, source] of Object.entries(raw.adjust?.offer ?? {})) {
      const path: YamlPath = [...at, 'adjust', 'offer', field];
      if (!Object.hasOwn(data.decision.offer, field))
        this.fail(
          path,
          `offer field '${field}' is not in decision.offer`,
          `declare it with its default value under decision.offer; declared: ${Object.keys(data.decision.offer).join(', ') || 'none'}`,
        );
      rule.offer.push({ field, value: this.expression(source, path) });
    }
    return rule;
  }
}

/** Compiles rules from YAML text; `file` names the source in errors. */
export function parseRules(text: string, file: string): RuleSet {
  return new RulesLoader(file, text).load();
}

export function loadRulesFile(file: string): RuleSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlywheelError(ErrorCodes.RULES_INVALID, `cannot read the rules file: ${(err as Error).message}`, { file }, 'check the path', err);
  }
  return parseRules(text, file);
}
