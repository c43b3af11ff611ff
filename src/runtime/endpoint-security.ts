/**
 * Start-up checks of the query endpoint's access and TLS settings, made before a job touches its state directory:
 * tokens from the topology and from the tokens file (each hash once), refusal to listen beyond loopback with no tokens (unless
 * anonymous access was allowed explicitly), and the TLS certificate and key read and checked to form a pair. What
 * it returns is what the endpoint needs: token hashes with their roles, and the PEM texts.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { Type } from '@sinclair/typebox';
import { parse } from 'yaml';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { HttpAccess } from '../graph/runtime-settings.js';
import { assertMatches } from '../graph/schema-validator.js';
import { accessTokenSchema } from '../graph/topology-schema.js';
import type { AccessToken } from '../query/access-policy.js';

export interface EndpointSecurity {
  tokens: AccessToken[];
  openMetrics: boolean;
  tls?: { cert: string; key: string };
}

export interface EndpointSecuritySettings {
  host: string;
  port: number;
  access?: Partial<HttpAccess>;
  tls?: { cert: string; key: string };
}

const tokensFileSchema = Type.Array(accessTokenSchema);

/** Loopback only: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

function readSetting(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `cannot read ${setting} ${file}: ${(err as Error).message}`,
      { file, path: setting },
      `check ${setting} (relative to the topology's directory)`,
    );
  }
}

function tokensFromFile(file: string): AccessToken[] {
  const setting = 'runtime.http.access.tokensFile';
  let tokens: unknown;
  try {
    tokens = parse(readSetting(file, setting));
  } catch (err) {
    if (err instanceof FlywheelError) throw err;
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `${file} is not YAML or JSON: ${(err as Error).message}`,
      { file, path: setting },
      'write the tokens as a list of { name, sha256, role }',
    );
  }
  assertMatches(tokensFileSchema, tokens, (problem) => {
    const path = problem.path.join('.');
    return new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `${path ? `${path} ` : ''}${problem.message}`,
      { file, path },
      'write the tokens as a list of { name, sha256, role }, sha256 being the hex SHA-256 of the token (docs/access.md)',
    );
  });
  return tokens;
}

/** One token, one role: a hash listed twice (in the topology and the file, say) would leave the role to the order. */
function refuseSharedHashes(tokens: readonly AccessToken[]): void {
  const named = new Map<string, string>();
  for (const token of tokens) {
    const other = named.get(token.sha256);
    if (other !== undefined) {
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `access tokens '${other}' and '${token.name}' have the same sha256`,
        { path: 'runtime.http.access' },
        'list each token once, with the one role it should have',
      );
    }
    named.set(token.sha256, token.name);
  }
}

export function endpointSecurity(http: EndpointSecuritySettings, baseDir: string): EndpointSecurity {
  const access = http.access ?? {};
  const tokens = [...(access.tokens ?? []), ...(access.tokensFile ? tokensFromFile(resolve(baseDir, access.tokensFile)) : [])];
  refuseSharedHashes(tokens);
  if (tokens.length === 0 && !access.allowAnonymous && !isLoopback(http.host)) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `the query endpoint would listen on ${http.host}:${http.port} with no access tokens: anyone who reaches the port could read the job's state`,
      { path: 'runtime.http.host' },
      'add tokens under runtime.http.access.tokens (or tokensFile), or listen on 127.0.0.1, or set runtime.http.access.allowAnonymous: true to serve without tokens on purpose (docs/access.md)',
    );
  }
  const security: EndpointSecurity = { tokens, openMetrics: access.openMetrics ?? false };
  if (!http.tls) return security;
  const certFile = resolve(baseDir, http.tls.cert);
  const keyFile = resolve(baseDir, http.tls.key);
  const tls = { cert: readSetting(certFile, 'runtime.http.tls.cert'), key: readSetting(keyFile, 'runtime.http.tls.key') };
  try {
    createSecureContext(tls);
  } catch (err) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `the TLS certificate ${certFile} and key ${keyFile} cannot be used: ${(err as Error).message}`,
      { file: certFile, path: 'runtime.http.tls' },
      'give a PEM certificate (chain) and the PEM private key that matches it',
    );
  }
  return { ...security, tls };
}
