/**
 * The Redis-backed stand-in of the lookup benchmark (lookup-vs-redis.ts), as a shop that does not embed its feature
 * server would run one: a small fastify service over ioredis answering GET /features/users/:id with the JSON stored
 * under `features:user:<id>` (a Buffer, sent as it is), 404 when there is none. Its own process; prints `PORT <n>`
 * when listening and stops when its parent closes stdin.
 *   node dist/bench/features/redis-service.js REDIS_PORT
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const redis = new Redis({ host: '127.0.0.1', port: Number(process.argv[2]) });
const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>('/features/users/:id', async (req, reply) => {
  const body = await redis.getBuffer(`features:user:${req.params.id}`);
  if (body === null) return reply.code(404).send({ error: 'not found' });
  return reply.type('application/json; charset=utf-8').send(body);
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`PORT ${(app.server.address() as { port: number }).port}\n`);
process.stdin.resume();
process.stdin.once(
  'end',
  () =>
    void app
      .close()
      .then(() => redis.quit())
      .then(() => process.exit(0)),
);
