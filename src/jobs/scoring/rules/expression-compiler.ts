/**
 * Compiles a rule expression once into a tree of closures that evaluates it many times, safely. `jsep` parses; this
 * file admits only a whitelist: literals, known names, member access on plain data (`.` and `[]`), arithmetic (`+`
 * also joins two strings), comparison, logical operators, `??`, the ternary, list literals and the functions of
 * expression-functions.ts.
 * There is no `this`, no assignment, no calling anything from the data, no `eval` and no `new Function`; size and
 * nesting are bounded. Problems found at compile time are thrown as ExpressionCompileError with a plain message.
 */
import jsep from 'jsep';
import { describeValue, expressionFunction, ExpressionTypeError, FUNCTION_NAMES } from './expression-functions.js';
import { FORBIDDEN_NAMES, readMember } from './plain-data-access.js';

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_EXPRESSION_NODES = 200;
export const MAX_EXPRESSION_DEPTH = 24;

/** The values an expression may read, by slot (see scope-layout.ts). */
export type Scope = readonly unknown[];
type Evaluator = (scope: Scope) => unknown;

export interface CompiledExpression {
  readonly source: string;
  evaluate(scope: Scope): unknown;
}

export class ExpressionCompileError extends Error {}

/** `+` also joins two strings; it is handled apart from these. */
/** Number operators; `+` is listed for the whitelist but compiled apart, since it also joins strings. */
const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '**': (a, b) => a ** b,
};
const ORDERING: Record<string, (a: number | string, b: number | string) => boolean> = {
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
};

function finite(op: string, value: number): number {
  if (!Number.isFinite(value)) throw new ExpressionTypeError(`'${op}' gave ${value} (division by zero or overflow)`);
  return value;
}

function operand(op: string, value: unknown): number {
  if (typeof value !== 'number') throw new ExpressionTypeError(`'${op}' needs numbers, got ${describeValue(value)}`);
  return value;
}

/** Logical operators and tests take booleans; a missing value (null) counts as false. */
function truth(where: string, value: unknown): boolean {
  if (value === null) return false;
  if (typeof value !== 'boolean') throw new ExpressionTypeError(`${where} needs true or false, got ${describeValue(value)}`);
  return value;
}

class Compiler {
  private nodes = 0;

  constructor(private readonly slots: ReadonlyMap<string, number>) {}

  compile(node: jsep.Expression, depth: number): Evaluator {
    if (++this.nodes > MAX_EXPRESSION_NODES) throw new ExpressionCompileError(`the expression has more than ${MAX_EXPRESSION_NODES} parts; split the rule`);
    if (depth > MAX_EXPRESSION_DEPTH) throw new ExpressionCompileError(`the expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels; simplify it`);
    switch (node.type) {
      case 'Literal':
        return this.literal(node as jsep.Literal);
      case 'Identifier':
        return this.identifier((node as jsep.Identifier).name);
      case 'MemberExpression':
        return this.member(node as jsep.MemberExpression, depth);
      case 'CallExpression':
        return this.call(node as jsep.CallExpression, depth);
      case 'UnaryExpression':
        return this.unary(node as jsep.UnaryExpression, depth);
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression, depth);
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const [test, yes, no] = [c.test, c.consequent, c.alternate].map((n) => this.compile(n, depth + 1)) as [Evaluator, Evaluator, Evaluator];
        return (s) => (truth('the test of ?:', test(s)) ? yes(s) : no(s));
      }
      case 'ArrayExpression': {
        const elements = (node as jsep.ArrayExpression).elements.map((e) => {
          if (e === null) throw new ExpressionCompileError('a list literal has an empty slot (two commas in a row)');
          return this.compile(e, depth + 1);
        });
        return (s) => elements.map((e) => e(s));
      }
      case 'ThisExpression':
        throw new ExpressionCompileError("'this' is not available; name an input instead");
      case 'Compound':
        throw new ExpressionCompileError("one expression only: found two side by side (or ';')");
      case 'SequenceExpression':
        throw new ExpressionCompileError("comma sequences '(a, b)' are not allowed");
      default:
        throw new ExpressionCompileError(`${node.type} is not allowed in a rule expression`);
    }
  }

  private literal(node: jsep.Literal): Evaluator {
    const value = node.value;
    if (value !== null && typeof value === 'object') throw new ExpressionCompileError(`the literal ${node.raw} is not allowed`);
    return () => value;
  }

  private identifier(name: string): Evaluator {
    if (FORBIDDEN_NAMES.has(name)) throw new ExpressionCompileError(`the name '${name}' is not allowed`);
    if (expressionFunction(name)) throw new ExpressionCompileError(`'${name}' is a function; call it as ${expressionFunction(name)!.usage}`);
    const slot = this.slots.get(name);
    if (slot === undefined) throw new ExpressionCompileError(`unknown name '${name}'; known names: ${[...this.slots.keys()].sort().join(', ')}`);
    return (s) => s[slot];
  }

  private member(node: jsep.MemberExpression, depth: number): Evaluator {
    const target = this.compile(node.object, depth + 1);
    if (!node.computed) {
      const name = (node.property as jsep.Identifier).name;
      if (FORBIDDEN_NAMES.has(name)) throw new ExpressionCompileError(`the member name '${name}' is not allowed`);
      return (s) => readMember(target(s), name);
    }
    const prop = node.property;
    if (prop.type === 'Literal' && FORBIDDEN_NAMES.has(String((prop as jsep.Literal).value))) {
      throw new ExpressionCompileError(`the member name '${String((prop as jsep.Literal).value)}' is not allowed`);
    }
    const key = this.compile(prop, depth + 1);
    return (s) => readMember(target(s), key(s));
  }

  private call(node: jsep.CallExpression, depth: number): Evaluator {
    const name = node.callee.type === 'Identifier' ? (node.callee as jsep.Identifier).name : undefined;
    const fn = name === undefined ? undefined : expressionFunction(name);
    if (!fn) {
      throw new ExpressionCompileError(
        `${name === undefined ? 'only named functions' : `'${name}' is not a function that`} can be called; available: ${FUNCTION_NAMES.join(', ')}`,
      );
    }
    if (node.arguments.length < fn.minArgs || node.arguments.length > fn.maxArgs) {
      throw new ExpressionCompileError(
        `${name}() takes ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs} to ${fn.maxArgs}`} arguments, got ${node.arguments.length}: ${fn.usage}`,
      );
    }
    const args = node.arguments.map((a) => this.compile(a, depth + 1));
    return (s) => fn.apply(args.map((a) => a(s)));
  }

  private unary(node: jsep.UnaryExpression, depth: number): Evaluator {
    const arg = this.compile(node.argument, depth + 1);
    switch (node.operator) {
      case '-':
        return (s) => -operand('-', arg(s));
      case '+':
        return (s) => operand('+', arg(s));
      case '!':
        return (s) => !truth("'!'", arg(s));
      default:
        throw new ExpressionCompileError(`the operator '${node.operator}' is not allowed`);
    }
  }

  private binary(node: jsep.BinaryExpression, depth: number): Evaluator {
    const op = node.operator;
    if (!Object.hasOwn(ARITHMETIC, op) && !Object.hasOwn(ORDERING, op) && !['==', '!=', '===', '!==', '&&', '||', '??'].includes(op)) {
      throw new ExpressionCompileError(`the operator '${op}' is not allowed; use arithmetic, comparisons, &&, || or ??`);
    }
    const left = this.compile(node.left, depth + 1);
    const right = this.compile(node.right, depth + 1);
    if (op === '+') {
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === 'string' && typeof b === 'string' ? a + b : finite(op, operand(op, a) + operand(op, b));
      };
    }
    if (Object.hasOwn(ARITHMETIC, op)) {
      const f = ARITHMETIC[op]!;
      return (s) => finite(op, f(operand(op, left(s)), operand(op, right(s))));
    }
    if (Object.hasOwn(ORDERING, op)) {
      const f = ORDERING[op]!;
      return (s) => {
        const a = left(s);
        const b = right(s);
        if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) return f(a, b);
        throw new ExpressionTypeError(`'${op}' compares two numbers or two strings, got ${describeValue(a)} and ${describeValue(b)}`);
      };
    }
    switch (op) {
      case '&&':
        return (s) => truth("'&&'", left(s)) && truth("'&&'", right(s));
      case '||':
        return (s) => truth("'||'", left(s)) || truth("'||'", right(s));
      case '??':
        return (s) => left(s) ?? right(s);
      case '==':
      case '===':
        return (s) => left(s) === right(s);
      default:
        return (s) => left(s) !== right(s);
    }
  }
}

/**
 * Parses and checks `source` against the names it may read (name -> scope slot); throws ExpressionCompileError
 * saying what is wrong.
 */
export function compileExpression(source: string, slots: ReadonlyMap<string, number>): CompiledExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionCompileError(`the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let ast: jsep.Expression;
  try {
    ast = jsep(source);
  } catch (err) {
    throw new ExpressionCompileError(`syntax error: ${(err as Error).message}`);
  }
  if (ast.type === 'Compound' && (ast as jsep.Compound).body.length === 0) throw new ExpressionCompileError('the expression is empty');
  const evaluate = new Compiler(slots).compile(ast, 0);
  return { source, evaluate };
}
