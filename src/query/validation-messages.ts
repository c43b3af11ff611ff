/**
 * Messages for requests that fail a route's JSON schema: where (`querystring/window`) and what is expected, with
 * the allowed values of an enum and the name of an unknown property spelled out, so a client can fix the request
 * from the message alone.
 */
import type { FastifySchemaValidationError } from 'fastify';

function describe(e: FastifySchemaValidationError, dataVar: string): string {
  const where = `${dataVar}${e.instancePath}`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'additionalProperties':
      return `${where} has an unknown property '${String(params.additionalProperty)}'`;
    case 'required':
      return `${where} needs the property '${String(params.missingProperty)}'`;
    default:
      return `${where} ${e.message ?? 'is not valid'}`;
  }
}

export function schemaErrorMessage(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((e) => describe(e, dataVar)).join('; '));
}
