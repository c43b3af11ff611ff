/**
 * Resolves user code named in a topology: `./file.js#export` relative to the topology file, or
 * `flywheel:jobs/x/y.js#export` inside this package's compiled tree. A missing file or export is an error that
 * lists what the module does export.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package's compiled source root (dist/src), where `flywheel:` references point. */
const PACKAGE_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class CodeRefError extends Error {}

export async function resolveCodeRef(ref: string, baseDir: string): Promise<unknown> {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) throw new CodeRefError(`'${ref}' is not a code reference: write './file.js#exportName'`);
  const modulePart = ref.slice(0, hash);
  const exportName = ref.slice(hash + 1);
  const file = modulePart.startsWith('flywheel:') ? resolve(PACKAGE_SRC, modulePart.slice('flywheel:'.length)) : resolve(baseDir, modulePart);
  if (!existsSync(file)) throw new CodeRefError(`module ${file} does not exist (from '${ref}')`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CodeRefError(`module ${file} failed to load: ${(err as Error).message}`);
  }
  if (!(exportName in module)) {
    throw new CodeRefError(`module ${file} has no export '${exportName}'; it exports: ${Object.keys(module).join(', ') || 'nothing'}`);
  }
  return module[exportName];
}
