/**
 * Query routes of a feature step, over the feature record the step keeps per key:
 *   GET  /features/users/:id?window=1h&fields=ctr,gmv     (items: /features/items/:id)
 *   POST /features/users:batch  { "ids": [...] }           (same query parameters; at most `maxBatch` ids)
 * Without `window` the answer holds every window; with it, that window's fields and the non-windowed ones in one
 * flat object. `fields` keeps only the named features. Unknown windows or fields are a 400 that lists what exists; a
 * key the step has not seen is a 404 (in a batch: `found: false` for that id).
 * The whole record (no window, no fields) is rendered once per stored snapshot and kept ready to send
 * (query/ready-answers.ts): a plain GET is answered before fastify (query/ready-routes.ts), and a plain batch is
 * written from the same bytes. A selection decodes the record and renders it per request.
 */
import type { FastifyInstance } from 'fastify';
import { readyBytes, renderedEachTime, type ReadyAnswer, type ReadyAnswers } from '../../query/ready-answers.js';
import type { ReadyRoute } from '../../query/ready-routes.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { StateReader } from '../../state/reader.js';
import type { EntitySpec } from './entity-spec.js';
import { STATE, type FeatureRecord, type FeatureValues } from './entity-state.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import { currentFieldNames, LIFETIME, windowFieldNames } from './feature-snapshot.js';

interface Query {
  window?: string;
  fields?: string;
}

const MAX_ID_LENGTH = 256;
const idSchema = { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH, pattern: '^\\S+$' } as const;

function select(values: FeatureValues, fields: ReadonlySet<string> | null): FeatureValues {
  if (fields === null) return values;
  return Object.fromEntries(Object.entries(values).filter(([name]) => fields.has(name)));
}

function view(record: FeatureRecord, window: string | undefined, fields: ReadonlySet<string> | null): object {
  const { entity, id, asOf, features } = record;
  if (window !== undefined)
    return { entity, id, asOf, window, features: { ...select(features.current, fields), ...select(features.windows[window] ?? {}, fields) } };
  const windows = Object.fromEntries(Object.entries(features.windows).map(([name, values]) => [name, select(values, fields)]));
  return { entity, id, asOf, features: { current: select(features.current, fields), windows } };
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The batch answer without a selection, from the ready answers: the same bytes as JSON.stringify of
 * `{ entity, results }` with each found result `{ found: true, ...record }`, the record's JSON being its ready answer.
 */
function wholeBatch(entity: string, ids: readonly string[], whole: ReadyAnswer): Buffer {
  // Ready answers are latin1 strings of UTF-8 bytes: the parts around them are ASCII, the same in either encoding.
  let out = `{"entity":${JSON.stringify(entity)},"results":[`;
  ids.forEach((id, i) => {
    const answer = whole(id);
    // A ready answer is a JSON object: what follows its opening brace continues the result after "found":true.
    const result = answer === undefined ? readyBytes(JSON.stringify({ id, found: false })) : `{"found":true,${answer.slice(1)}`;
    out += i > 0 ? `,${result}` : result;
  });
  return Buffer.from(`${out}]}`, 'latin1');
}

export function featureRoutes(spec: EntitySpec, options: ResolvedFeatureOptions): QueryRoutes {
  const plural = `${spec.entity}s`;
  const windows = [...options.windows.map((w) => w.label), LIFETIME];
  const known = [...currentFieldNames(spec, options), ...windowFieldNames(spec)];
  const querystring = {
    type: 'object',
    additionalProperties: false,
    properties: {
      window: { type: 'string', enum: windows },
      fields: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$' },
    },
  };

  /** The selected field names, or a message naming the unknown ones. */
  function fieldSelection(fields: string | undefined): ReadonlySet<string> | null | string {
    if (fields === undefined) return null;
    const names = fields.split(',');
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length > 0) return `unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; a ${spec.entity} has: ${known.join(', ')}`;
    return new Set(names);
  }

  return (app: FastifyInstance, step: { stepId: string; state: StateReader; answers?: ReadyAnswers; addReadyRoute?: (route: ReadyRoute) => void }) => {
    const { stepId, state } = step;
    const read = (id: string) => state.value<FeatureRecord>(stepId, id, STATE.features);
    const whole: ReadyAnswer = (step.answers ?? renderedEachTime(state)).of<FeatureRecord>(stepId, STATE.features, (record) =>
      JSON.stringify(view(record, undefined, null)),
    );
    step.addReadyRoute?.({ prefix: `/features/${plural}/`, route: `/features/${plural}/:id`, maxIdLength: MAX_ID_LENGTH, answer: whole });

    app.get<{ Params: { id: string }; Querystring: Query }>(
      `/features/${plural}/:id`,
      { schema: { params: { type: 'object', properties: { id: idSchema }, required: ['id'] }, querystring } },
      async (req, reply) => {
        const fields = fieldSelection(req.query.fields);
        if (typeof fields === 'string') return reply.code(400).send({ error: 'bad request', message: fields });
        const record = read(req.params.id);
        if (record === undefined) {
          return reply.code(404).send({
            error: 'not found',
            message: `no features for ${spec.entity} '${req.params.id}': step '${stepId}' has not seen it, or not yet taken its first snapshot`,
          });
        }
        return view(record, req.query.window, fields);
      },
    );

    // '::' is a literal ':' in a fastify path.
    app.post<{ Body: { ids: string[] }; Querystring: Query }>(
      `/features/${plural}::batch`,
      {
        schema: {
          querystring,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { ids: { type: 'array', minItems: 1, maxItems: options.maxBatch, items: idSchema } },
            required: ['ids'],
          },
        },
      },
      async (req, reply) => {
        const fields = fieldSelection(req.query.fields);
        if (typeof fields === 'string') return reply.code(400).send({ error: 'bad request', message: fields });
        if (req.query.window === undefined && fields === null) return reply.type(JSON_TYPE).send(wholeBatch(spec.entity, req.body.ids, whole));
        const results = req.body.ids.map((id) => {
          const record = read(id);
          return record === undefined ? { id, found: false } : { found: true, ...view(record, req.query.window, fields) };
        });
        return { entity: spec.entity, ...(req.query.window !== undefined ? { window: req.query.window } : {}), results };
      },
    );
  };
}
