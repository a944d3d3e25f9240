import { z } from 'zod';
import type { Route, Routes } from './api';
import { endpointsFor } from './endpoint';
import { openApiDocument } from './openapi';

const system = endpointsFor('System', 'public');

export const healthEndpoint = system({
  summary: 'Liveness, and whether the directory database answers',
  response: z.object({ ok: z.boolean(), database: z.enum(['ok', 'unavailable']) }),
  handle: async ({ env }) => {
    try {
      await env.DB.prepare('SELECT 1').first();
      return { ok: true, database: 'ok' as const };
    } catch (err) {
      console.error('health check: database unavailable', err);
      return Response.json({ ok: false, database: 'unavailable' }, { status: 503 });
    }
  },
});

export const openApiEndpoint = (routes: () => Route[]) =>
  system({
    summary: 'This API described as OpenAPI 3.1, generated from the schemas that validate requests',
    handle: async ({ request }) => Response.json(openApiDocument(routes(), new URL(request.url).origin)),
  });

export const systemRoutes: Routes = (api) => api.get('/healthz', healthEndpoint).get('/openapi.json', openApiEndpoint(() => api.routes));
