/**
 * `${NAME}` and `${NAME:-default}` in a topology are replaced by environment variables before parsing, so one file
 * serves several deployments (brokers, ports). A variable that is unset and has no default is an error with its line.
 */

export interface MissingVariable {
  name: string;
  line: number;
}

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): { text: string; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string, fallback: string | undefined, offset: number) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.push({ name, line: text.slice(0, offset).split('\n').length });
    return match;
  });
  return { text: out, missing };
}
