/**
 * Refuses requests whose validated input holds a number that is not finite. Schema validation coerces a query
 * string such as `k=1e400` to Infinity and lets it past `maximum: 100` (and JSON.parse reads 1e400 as Infinity too),
 * so after validation every number of the query, parameters and body is checked once more here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export async function refuseNonFiniteNumbers(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  for (const [part, value] of [['querystring', req.query], ['params', req.params], ['body', req.body]] as const) {
    const at = nonFinitePath(value, part);
    if (at) return void (await reply.code(400).send({ error: 'bad request', message: `${at} must be a finite number`, code: 'FST_ERR_VALIDATION' }));
  }
}

function nonFinitePath(node: unknown, at: string): string | null {
  if (typeof node === 'number') return Number.isFinite(node) ? null : at;
  if (node === null || typeof node !== 'object') return null;
  for (const [k, v] of Object.entries(node)) {
    const found = nonFinitePath(v, `${at}/${k}`);
    if (found) return found;
  }
  return null;
}
