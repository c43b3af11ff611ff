/**
 * Resolves user code named in a topology: `./file.js#export` relative to the topology file, or
 * `flywheel:jobs/x/y.js#export` inside this package's compiled tree. A reference is confined: it may not be absolute
 * or contain a `..` segment, and the real file (symbolic links followed) must lie inside the topology's directory or
 * one of the configured code roots (`flywheel:` ones inside the package). A missing file or export is an error that
 * lists what the module does export.
 *
 * In `check` mode (validate, describe) a file of the user's is not imported: its exports are read from its source
 * text, so none of its code runs. `flywheel:` modules are the package's own and are always imported.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, relative, resolve, sep, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staticExports } from './module-exports.js';

/** The package's compiled source root (dist/src), where `flywheel:` references point. */
const PACKAGE_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const BUILTIN = 'flywheel:';

/** The environment variable listing further directories user code may be loaded from (path-delimiter separated). */
export const CODE_ROOTS_VARIABLE = 'FLYWHEEL_CODE_ROOTS';

export class CodeRefError extends Error {}

export interface CodeRefOptions {
  /** The topology's directory: relative references start here, and it is always an allowed root. */
  baseDir: string;
  /** Further directories whose files may be referenced (through symbolic links inside baseDir). */
  roots: readonly string[];
  /** `import` loads the module (to run it); `check` reads a user module's exports without running it. */
  mode: 'import' | 'check';
}

/** A reference checked but not loaded (check mode): where it points, and whether its export could be confirmed. */
export class CheckedCodeRef {
  constructor(
    readonly ref: string,
    readonly file: string,
    /** Set when the export could not be confirmed without running the module. */
    readonly unconfirmed?: string,
  ) {}
}

export function codeRootsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env[CODE_ROOTS_VARIABLE] ?? '').split(delimiter).filter((p) => p !== '');
}

export async function resolveCodeRef(ref: string, options: CodeRefOptions): Promise<unknown> {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) throw new CodeRefError(`'${ref}' is not a code reference: write './file.js#exportName'`);
  const modulePart = ref.slice(0, hash);
  const exportName = ref.slice(hash + 1);
  const builtin = modulePart.startsWith(BUILTIN);
  const path = builtin ? modulePart.slice(BUILTIN.length) : modulePart;
  refuseEscapes(path, ref);
  const roots = builtin ? [PACKAGE_SRC] : [options.baseDir, ...options.roots];
  const confine = (file: string): string => confined(file, roots, ref);
  const file = confine(resolve(builtin ? PACKAGE_SRC : options.baseDir, path));
  if (options.mode === 'check' && !builtin) {
    const found = await staticExports(file, confine);
    if (found.names.has(exportName)) return new CheckedCodeRef(ref, file);
    if (found.complete) throw new CodeRefError(noExport(file, exportName, [...found.names]));
    return new CheckedCodeRef(ref, file, found.why);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CodeRefError(`module ${file} failed to load: ${(err as Error).message}`);
  }
  if (!(exportName in module)) throw new CodeRefError(noExport(file, exportName, Object.keys(module)));
  return module[exportName];
}

/** Absolute paths and `..` segments are refused before anything is resolved. */
function refuseEscapes(path: string, ref: string): void {
  if (isAbsolute(path) || win32.isAbsolute(path))
    throw new CodeRefError(`'${ref}' is an absolute path; code references are relative to the topology's directory`);
  if (path.split(/[\\/]/).includes('..'))
    throw new CodeRefError(`'${ref}' leaves its directory with '..'; code references stay inside the topology's directory`);
}

/** The file's real path when it exists inside one of the roots (symbolic links followed), else an error. */
function confined(file: string, roots: readonly string[], ref: string): string {
  if (!existsSync(file)) throw new CodeRefError(`module ${file} does not exist (from '${ref}')`);
  const real = realpathSync(file);
  const inside = roots.some((root) => {
    const rel = relative(existsSync(root) ? realpathSync(root) : resolve(root), real);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
  });
  if (!inside) throw new CodeRefError(`module ${file} (from '${ref}') is really ${real}, outside the directories code may be loaded from: ${roots.join(', ')}`);
  return real;
}

function noExport(file: string, exportName: string, names: string[]): string {
  return `module ${file} has no export '${exportName}'; it exports: ${names.join(', ') || 'nothing'}`;
}
