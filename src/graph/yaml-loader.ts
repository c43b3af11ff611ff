/**
 * Compiles a YAML topology into the same frozen graph the TypeScript builder produces, plus its run settings. Every
 * problem stops loading before any data is touched, with the file, the YAML path, the line, and what is expected.
 */
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { sinkType, sinkTypes, sourceType, sourceTypes } from '../connectors/registry.js';
import { operatorType } from '../operators/registry.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { ErrorPolicy } from '../api/types.js';
import { checkGraph } from './checks.js';
import { interpolateEnv, protectReferences, type MissingVariable } from './env-interpolation.js';
import { CheckedCodeRef, CODE_ROOTS_VARIABLE, CodeRefError, codeRootsFromEnv, resolveCodeRef, type CodeRefOptions } from './code-refs.js';
import { freezeGraph, MAIN_PORT, type InputRef, type JobGraph, type StepSpec } from './model.js';
import { validateAgainst } from './schema-validator.js';
import { runtimeSettings, type RuntimeSettings } from './runtime-settings.js';
import { allOps, COMMON_STEP_KEYS, commonStepSchema, structuralSchemas, topLevelSchema } from './topology-schema.js';
import { lineOf, printPath, type YamlPath } from './yaml-positions.js';
import { firstUnboundedNumber } from './number-bounds.js';
import { checkTokenCount, MAX_ALIAS_COUNT, readTopologyText } from './yaml-limits.js';
import { Redactor, redactorOf, secretSettingsOf } from './secrets.js';

export interface LoadedTopology {
  file: string;
  graph: JobGraph;
  runtime: RuntimeSettings;
  /** Hides the topology's secret settings in anything shown or logged. */
  redactor: Redactor;
  /** In check mode: code references whose export could not be confirmed without running the module, and why. */
  unconfirmed: Array<{ path: string; ref: string; why: string }>;
  /** With `unsetVariables: 'report'`: referenced environment variables that are unset and have no default. */
  unsetVariables: MissingVariable[];
}

export interface LoadOptions {
  /** `import` (the default) loads user code to run it; `check` reads its exports without running it. */
  mode?: CodeRefOptions['mode'];
  /** Directories besides the topology's own that code may be loaded from; default: FLYWHEEL_CODE_ROOTS. */
  codeRoots?: readonly string[];
  /**
   * `fail` (the default): an unset variable without a default is an error. `report`: it keeps its reference text and
   * is listed in `unsetVariables`, for commands that check a topology without connecting to anything.
   */
  unsetVariables?: 'fail' | 'report';
}

interface RawStep extends Record<string, unknown> {
  id: string;
  op: string;
  from?: string | string[];
  onError?: ErrorPolicy;
}

class Loader {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  private readonly baseDir: string;
  private readonly environmentValues: string[];
  private readonly unsetVariables: MissingVariable[];
  private readonly codeOptions: CodeRefOptions;
  /** Set once the data is read; until then messages carry no values of secret settings. */
  private redactor = new Redactor([]);
  private readonly unconfirmed: LoadedTopology['unconfirmed'] = [];

  constructor(
    private readonly file: string,
    text: string,
    options: LoadOptions,
  ) {
    this.baseDir = dirname(file);
    this.codeOptions = {
      baseDir: this.baseDir,
      roots: (options.codeRoots ?? codeRootsFromEnv(process.env)).map((r) => resolve(r)),
      mode: options.mode ?? 'import',
    };
    checkTokenCount(file, text);
    const protectedText = protectReferences(text);
    this.doc = parseDocument(protectedText.text, { lineCounter: this.lines, prettyErrors: false });
    const err = this.doc.errors[0];
    if (err) {
      const line = this.lines.linePos(err.pos[0]).line;
      throw new FlywheelError(
        ErrorCodes.TOPOLOGY_INVALID,
        `YAML syntax: ${err.message.split('\n')[0]}`,
        { file, line },
        'fix the YAML syntax (indentation, quotes, colons)',
      );
    }
    const interpolated = interpolateEnv(this.doc, protectedText, process.env);
    const missing = interpolated.missing[0];
    if (missing && options.unsetVariables !== 'report') {
      throw new FlywheelError(
        ErrorCodes.TOPOLOGY_INVALID,
        `environment variable ${missing.name} is not set`,
        { file, line: missing.line },
        `set ${missing.name}, or give a default: \${${missing.name}:-value}`,
      );
    }
    this.environmentValues = interpolated.environmentValues;
    this.unsetVariables = interpolated.missing;
  }

  fail(path: YamlPath, message: string, hint: string): never {
    const line = lineOf(this.doc, this.lines, path);
    throw new FlywheelError(
      ErrorCodes.TOPOLOGY_INVALID,
      this.redactor.text(message),
      { file: this.file, path: printPath(path) || '(top level)', ...(line !== undefined ? { line } : {}) },
      hint,
    );
  }

  /** An error raised while loading (by user code too: a processor factory), without the values of secret settings. */
  redacted(err: unknown): unknown {
    if (err instanceof Error) Object.defineProperty(err, 'message', { value: this.redactor.text(err.message) });
    return err;
  }

  /** The document as plain data, with aliases capped (a few lines of anchors could otherwise expand without end). */
  private data(): Record<string, unknown> | null {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown> | null;
    } catch (err) {
      let aliasLine: number | undefined;
      visit(this.doc, {
        Alias: (_key, node) => {
          if (node.range) aliasLine = this.lines.linePos(node.range[0]).line;
          return visit.BREAK;
        },
      });
      throw new FlywheelError(
        ErrorCodes.TOPOLOGY_INVALID,
        `YAML aliases expand too far: ${(err as Error).message}`,
        { file: this.file, ...(aliasLine !== undefined ? { line: aliasLine } : {}) },
        `use at most ${MAX_ALIAS_COUNT} aliases (*name), and do not nest anchors in aliased nodes`,
      );
    }
  }

  check(schema: object, data: unknown, at: YamlPath, hint: string): void {
    const problem = validateAgainst(schema, data);
    if (problem) this.fail([...at, ...problem.path], `${printPath([...at, ...problem.path]) || 'topology'} ${problem.message}`, hint);
  }

  async load(overrides: Partial<RuntimeSettings>): Promise<LoadedTopology> {
    const data = this.data();
    if (!data || typeof data !== 'object') this.fail([], 'the topology is empty', 'write a mapping with name and steps');
    this.redactor = redactorOf(data, secretSettingsOf(data.secrets), this.environmentValues);
    const unbounded = firstUnboundedNumber(data);
    if (unbounded) {
      this.fail(
        unbounded.path,
        `${printPath(unbounded.path)} is ${unbounded.value}, outside the numbers a topology may hold (finite, at most ${Number.MAX_SAFE_INTEGER} in size)`,
        'write a number in range; see the maximum of this setting in docs/topology.md',
      );
    }
    this.check(topLevelSchema, data, [], 'see docs/topology.md for the topology format');
    const raw = data.steps as RawStep[];
    const steps: StepSpec[] = [];
    for (let i = 0; i < raw.length; i++) steps.push(await this.step(raw[i]!, i, raw[i - 1]));
    const deadLetter = data.deadLetter as string | undefined;
    if (deadLetter !== undefined && !raw.some((s) => s.id === deadLetter)) {
      this.fail(['deadLetter'], `deadLetter names '${deadLetter}', which is not a step`, 'name the id of a sink step');
    }
    const graph = freezeGraph(data.name as string, { keyGroups: data.keyGroups as number, ...(deadLetter ? { deadLetter } : {}) }, steps);
    checkGraph(graph);
    return {
      file: this.file,
      graph,
      runtime: runtimeSettings(data.runtime as Record<string, unknown>, graph.name, this.baseDir, overrides),
      redactor: this.redactor,
      unconfirmed: this.unconfirmed,
      unsetVariables: this.unsetVariables,
    };
  }

  private async step(raw: RawStep, index: number, previous: RawStep | undefined): Promise<StepSpec> {
    const at: YamlPath = ['steps', index];
    if (!allOps().includes(raw.op)) this.fail([...at, 'op'], `unknown op '${raw.op}' in step '${raw.id}'`, `use one of: ${allOps().join(', ')}`);
    const common: Record<string, unknown> = {};
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) ((COMMON_STEP_KEYS as readonly string[]).includes(k) ? common : own)[k] = v;
    this.check(commonStepSchema, common, at, 'from is a step id, step.port, or a list; onError is fail, skip or deadLetter');
    const type = operatorType(raw.op);
    this.check(structuralSchemas[raw.op] ?? type!.configSchema, own, at, `see the keys of op '${raw.op}' in docs/topology.md`);
    const origin = {
      file: this.file,
      path: printPath(at),
      ...(lineOf(this.doc, this.lines, at) !== undefined ? { line: lineOf(this.doc, this.lines, at)! } : {}),
    };
    const inputs = this.inputs(raw, previous, at);
    const code: Record<string, unknown> = {};
    let config: Record<string, unknown> = own;
    if (raw.op === 'source' || raw.op === 'sink') config = this.connector(raw, own, at);
    if (raw.op === 'keyBy' && (own.field === undefined) === (own.fn === undefined)) {
      this.fail(at, `keyBy '${raw.id}' needs exactly one of 'field' or 'fn'`, 'key by a field (field: userId) or by your own function (fn: ./keys.js#userOf)');
    }
    if (raw.op === 'keyBy' && own.fn !== undefined) code.keyOf = await this.code(own.fn as string, [...at, 'fn']);
    for (const name of type?.codeRefs ?? []) {
      if (own[name] === undefined) continue;
      let resolved = await this.code(own[name] as string, [...at, name]);
      if (typeof resolved === 'function' && name === 'processor') resolved = this.callFactory(resolved as (o: unknown) => unknown, own.with ?? {}, at, raw.id);
      code[name] = resolved;
    }
    if (raw.op === 'window') this.windowShape(own, at);
    return { id: raw.id, kind: raw.op, inputs, config, code, onError: (common.onError as ErrorPolicy) ?? 'fail', origin };
  }

  private inputs(raw: RawStep, previous: RawStep | undefined, at: YamlPath): InputRef[] {
    if (raw.op === 'source') {
      if (raw.from !== undefined) this.fail([...at, 'from'], `source '${raw.id}' cannot read from another step`, "remove 'from'");
      return [];
    }
    const from = raw.from ?? (previous ? previous.id : []);
    const list = Array.isArray(from) ? from : [from];
    if (raw.op === 'union' && list.length < 2)
      this.fail([...at, 'from'], `union '${raw.id}' needs at least two inputs`, 'list the steps to combine: from: [a, b]');
    return list.map((ref) => {
      const dot = ref.indexOf('.');
      return dot === -1 ? { step: ref, port: MAIN_PORT } : { step: ref.slice(0, dot), port: ref.slice(dot + 1) };
    });
  }

  private connector(raw: RawStep, own: Record<string, unknown>, at: YamlPath): Record<string, unknown> {
    const { type, ...options } = own.connector as { type: string } & Record<string, unknown>;
    const connectorType = raw.op === 'source' ? sourceType(type) : sinkType(type);
    if (!connectorType) {
      this.fail(
        [...at, 'connector', 'type'],
        `unknown ${raw.op} connector type '${type}'`,
        `use one of: ${(raw.op === 'source' ? sourceTypes() : sinkTypes()).join(', ')}`,
      );
    }
    this.check(connectorType.optionsSchema, options, [...at, 'connector'], `see the options of the ${type} connector in docs/topology.md`);
    return { ...own, connector: { type, options } };
  }

  private windowShape(own: Record<string, unknown>, at: YamlPath): void {
    const a = own.assigner as Record<string, unknown>;
    const needs: Record<string, string[]> = { tumbling: ['size'], sliding: ['size', 'slide'], session: ['gap'] };
    for (const key of needs[a.type as string]!) {
      if (a[key] === undefined)
        this.fail([...at, 'assigner'], `a ${String(a.type)} window needs '${key}'`, `give ${needs[a.type as string]!.join(' and ')} as durations, e.g. 10s`);
    }
    if (own.aggregate !== undefined && own.aggregator !== undefined)
      this.fail([...at, 'aggregator'], 'give either aggregate or aggregator, not both', 'aggregate names a built-in; aggregator is your own module#export');
  }

  /** Calls a processor factory with its `with` options; an option error it raises gets this file, path and line. */
  private callFactory(factory: (o: unknown) => unknown, options: unknown, at: YamlPath, stepId: string): unknown {
    try {
      return factory(options);
    } catch (err) {
      const optionPath = err instanceof FlywheelError && err.code === ErrorCodes.CONFIG_INVALID ? err.place.path : undefined;
      if (err instanceof FlywheelError && optionPath?.startsWith('with.')) {
        const below = optionPath
          .slice('with.'.length)
          .split('.')
          .filter((p) => p !== '(root)')
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        this.fail([...at, 'with', ...below], `step '${stepId}': ${err.detail}`, err.hint ?? 'see the options of the processor');
      }
      throw err;
    }
  }

  private async code(ref: string, at: YamlPath): Promise<unknown> {
    let resolved: unknown;
    try {
      resolved = await resolveCodeRef(ref, this.codeOptions);
    } catch (err) {
      if (err instanceof CodeRefError) {
        this.fail(
          at,
          err.message,
          `write './file.js#exportName' relative to the topology file (no '..', not absolute), or 'flywheel:jobs/...#export'; further directories may be allowed with ${CODE_ROOTS_VARIABLE}`,
        );
      }
      throw err;
    }
    if (resolved instanceof CheckedCodeRef && resolved.unconfirmed) this.unconfirmed.push({ path: printPath(at), ref, why: resolved.unconfirmed });
    return resolved;
  }
}

export async function loadTopology(file: string, overrides: Partial<RuntimeSettings> = {}, options: LoadOptions = {}): Promise<LoadedTopology> {
  const path = resolve(file);
  const loader = new Loader(path, readTopologyText(path), options);
  try {
    return await loader.load(overrides);
  } catch (err) {
    throw loader.redacted(err);
  }
}
