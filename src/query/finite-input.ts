/**
 * Refuses requests whose validated input holds a number that is not finite. Schema validation coerces a query
 * string such as `k=1e400` to Infinity and lets it past `maximum: 100` (and JSON.parse reads 1e400 as Infinity too),
 * so after validation every number of the query, parameters and body is checked once more here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export async function refuseNonFiniteNumbers(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  for (const [part, value] of [
    ['querystring', req.query],
    ['params', req.params],
    ['body', req.body],
  ] as const) {
    const at = nonFinitePath(value, part);
    if (at) return void (await reply.code(400).send({ error: 'bad request', message: `${at} must be a finite number`, code: 'FST_ERR_VALIDATION' }));
  }
}

/** The path of the first number that is not finite, or null; walks without recursion, so any nesting is safe. */
function nonFinitePath(root: unknown, at: string): string | null {
  const stack: Array<[unknown, string]> = [[root, at]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return path;
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], `${path}/${entries[i]![0]}`]);
    }
  }
  return null;
}
