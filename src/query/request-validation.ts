/**
 * How the query app validates requests. A JSON body is checked as sent: a number where the schema wants a string
 * (`userId: 42`) is a 400, not silently turned into "42". The URL's path parameters and query string are text by
 * nature, so they alone are converted to the types their schemas declare (`?k=10` to the integer 10), as fastify's
 * default validator does for every part. Both apply schema defaults and keep unknown properties for the schema to
 * refuse, not remove.
 */
import { Ajv, type AnySchema } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const options = { useDefaults: true, removeAdditional: false, allErrors: false, allowUnionTypes: true } as const;

export function requestValidatorCompiler(): FastifySchemaCompiler<AnySchema> {
  const body = new Ajv({ ...options, coerceTypes: false });
  const url = new Ajv({ ...options, coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : url).compile(schema);
}
