/**
 * The export names of an ES module read from its source text with es-module-lexer, without running it: direct
 * exports, named re-exports, and `export * from './x.js'` followed into the re-exported file (which must pass the
 * same confinement check as the module itself). What cannot be known without running the module makes the answer
 * incomplete: a module without ES module syntax (CommonJS), `export *` from a package, or a file that does not lex.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { init, parse } from 'es-module-lexer';

export interface StaticExports {
  names: Set<string>;
  /** False when some exports can only be known by running the module; then `why` says what. */
  complete: boolean;
  why?: string;
}

/** `confine` throws when a re-exported file lies outside where the reference may reach. */
export async function staticExports(file: string, confine: (file: string) => string): Promise<StaticExports> {
  await init;
  const out: StaticExports = { names: new Set(), complete: true };
  const seen = new Set<string>();
  // `export *` passes on every export but the default one.
  const visit = (path: string, reexported: boolean): void => {
    if (seen.has(path)) return;
    seen.add(path);
    let lexed: ReturnType<typeof parse>;
    try {
      lexed = parse(readFileSync(path, 'utf8'), path);
    } catch (err) {
      incomplete(out, `${path} could not be read as an ES module (${(err as Error).message})`);
      return;
    }
    const [, exports, , hasModuleSyntax] = lexed;
    if (!hasModuleSyntax) {
      incomplete(out, `${path} is not an ES module (CommonJS exports are only known by running it)`);
      return;
    }
    for (const e of exports) {
      if (e.type !== 'reexport-all') {
        if (!(reexported && e.name === 'default')) out.names.add(e.name);
      } else if (e.from.startsWith('./') || e.from.startsWith('../')) visit(confine(resolve(dirname(path), e.from)), true);
      else incomplete(out, `${path} re-exports everything of '${e.from}'`);
    }
  };
  visit(file, false);
  return out;
}

function incomplete(out: StaticExports, why: string): void {
  out.complete = false;
  out.why ??= why;
}
