/**
 * Query routes of the rollout step, over the state it keeps per rollout in LMDB:
 *   GET  /rollouts                          every declared rollout: status, share, stage, its latest step
 *   GET  /rollouts/:id                      its settings, status, share, latest evidence and every step taken
 *   GET  /rollouts/:id/assignments/:userId  the user's bucket and arm at the current share (rollout-assignment.ts)
 *   POST /rollouts/:id/{pause,resume,advance,rollback}  with `{ reason }`: needs the operator role; appends the
 *                                           command to the command log (rollout-commands.ts) and answers 202 with
 *                                           its id; the step applies it when it reads it, and records it as a step
 * The endpoint reads state through a read-only handle, so a command cannot change state here: it travels as input.
 * A command the rollout's status does not allow now is refused with 409 before it is logged.
 */
import type { QueryRoutes } from '../../query/runtime-view.js';
import { isTreated, rolloutBucket } from './rollout-assignment.js';
import { appendCommand, COMMAND_NAMES } from './rollout-commands.js';
import { commandRefusal, initialRolloutState, type RolloutState } from './rollout-decision.js';
import type { ResolvedRolloutOptions, RolloutSpec } from './rollout-options.js';
import { ROLLOUT_STATE } from './rollout-step.js';

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['id'] } as const;

export function rolloutRoutes(options: ResolvedRolloutOptions): QueryRoutes {
  const ids = [...options.rollouts.keys()];
  return (app, { stepId, state }) => {
    const read = (spec: RolloutSpec): RolloutState => state.value<RolloutState>(stepId, spec.id, ROLLOUT_STATE.rollout) ?? initialRolloutState(spec);
    const unknown = (id: string) => ({ error: 'not found', message: `step '${stepId}' has no rollout '${id}' (declared: ${ids.join(', ')})` });

    app.get('/rollouts', { schema: { summary: 'Every declared rollout: status, treated share and latest step' } }, async () => ({
      rollouts: [...options.rollouts.values()].map((spec) => {
        const s = read(spec);
        return {
          rollout: spec.id,
          status: s.status,
          share: s.share,
          stage: s.stage,
          schedule: spec.schedule,
          steps: s.steps.length,
          lastStep: s.steps.at(-1) ?? null,
        };
      }),
    }));

    app.get<{ Params: { id: string } }>(
      '/rollouts/:id',
      { schema: { summary: "A rollout's settings, status, share, latest evidence and every step taken", params: idParams } },
      async (req, reply) => {
        const spec = options.rollouts.get(req.params.id);
        if (!spec) return reply.code(404).send(unknown(req.params.id));
        const { looks: _, ...s } = read(spec);
        return { ...s, settings: spec };
      },
    );

    app.get<{ Params: { id: string; userId: string } }>(
      '/rollouts/:id/assignments/:userId',
      {
        schema: {
          summary: "A user's bucket and arm at the rollout's current share",
          params: { ...idParams, properties: { ...idParams.properties, userId: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['id', 'userId'] },
        },
      },
      async (req, reply) => {
        const spec = options.rollouts.get(req.params.id);
        if (!spec) return reply.code(404).send(unknown(req.params.id));
        const { share, status } = read(spec);
        const { userId } = req.params;
        const arm = isTreated(spec.id, userId, share) ? spec.treatment : spec.control;
        return { rollout: spec.id, userId, bucket: rolloutBucket(spec.id, userId), share, status, arm };
      },
    );

    for (const command of COMMAND_NAMES)
      app.post<{ Params: { id: string }; Body: { reason: string } }>(
        `/rollouts/:id/${command}`,
        {
          config: { access: 'operator' },
          schema: {
            summary: `Asks the rollout step to ${command} the rollout (operator role)`,
            params: idParams,
            body: {
              type: 'object',
              additionalProperties: false,
              required: ['reason'],
              properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
            },
          },
        },
        async (req, reply) => {
          const spec = options.rollouts.get(req.params.id);
          if (!spec) return reply.code(404).send(unknown(req.params.id));
          if (options.commands === null)
            return reply.code(501).send({
              error: 'not implemented',
              message: `step '${stepId}' has no command log: set its with.commands and read that file with a file source (follow: true) into the step`,
            });
          const refusal = commandRefusal(command, read(spec).status);
          if (refusal) return reply.code(409).send({ error: 'conflict', message: `rollout '${spec.id}': ${refusal}` });
          const record = await appendCommand(options.commands, spec.id, command, req.body.reason);
          return reply.code(202).send({
            accepted: true,
            command: record,
            message: `logged; GET /rollouts/${spec.id} lists it as a step with command '${record.id}' once the step has read it`,
          });
        },
      );
  };
}
