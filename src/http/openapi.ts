import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import type { Route } from './api';
import type { Access } from './endpoint';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          enum: Object.entries(ERROR_CODES).flatMap(([code, { status }]) => (status.length > 0 ? [code] : [])),
          description: 'Stable machine-readable code, e.g. invalid_request (docs/api.md lists them).',
        },
        message: { type: 'string', description: 'What went wrong, for a person.' },
        details: { description: 'Structured details, e.g. the list of invalid fields.' },
      },
    },
  },
};

const errorDescriptions: Record<number, string> = {
  400: 'Invalid request (see error.details.problems)',
  401: 'Missing or invalid credentials',
  403: 'Authenticated but not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict with the current state',
  411: 'Content-Length required',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Refused by a product rule',
  429: 'Too many requests',
};

const security: Record<Access, Array<Record<string, string[]>>> = {
  public: [],
  admin: [{ adminToken: [] }],
  agent: [{ agentJwt: [] }],
  guest: [{ guestToken: [] }],
  person: [{ agentJwt: [] }, { guestToken: [] }],
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

/** Builds the OpenAPI 3.1 document from the route table and the endpoints' zod schemas. */
export function openApiDocument(routes: Route[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, endpoint } of routes) {
    const openApiPath = path.replace(/:([A-Za-z]+)/g, '{$1}');
    const status = endpoint.status ?? 200;
    const errors = new Set<number>([400, ...(endpoint.access === 'public' ? [] : [401, 403]), ...(endpoint.errors ?? [])]);
    if (endpoint.body) [413, 415].forEach((s) => errors.add(s));
    const responses: Record<string, unknown> = {
      [status]: {
        description: 'Success',
        ...(endpoint.response ? { content: { 'application/json': { schema: jsonSchema(endpoint.response, 'output') } } } : {}),
      },
    };
    for (const code of [...errors].sort()) {
      responses[code] = {
        description: errorDescriptions[code] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[openApiPath] ??= {};
    paths[openApiPath][method] = {
      summary: endpoint.summary,
      tags: [endpoint.tag],
      operationId: `${method}${openApiPath.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string = '') => c.toUpperCase())}`,
      security: security[endpoint.access],
      parameters: [...parameters(endpoint.params, 'path'), ...parameters(endpoint.query, 'query')],
      ...(endpoint.body
        ? { requestBody: { required: !endpoint.bodyOptional, content: { 'application/json': { schema: jsonSchema(endpoint.body, 'input') } } } }
        : endpoint.rawBody
          ? { requestBody: { required: true, description: endpoint.rawBody, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } }
          : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Doorbell API',
      version: '0.1.0',
      description: 'Live chat and meeting booking between guests and agents. See docs/api.md for conventions.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN secret.' },
        agentJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An agent JWT (HS256 in development, the identity provider in production).' },
        guestToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A guest token issued by POST /api/guests.' },
      },
    },
  };
}
