import { z } from 'zod';
import { RETENTION_MAX_DAYS, RetentionDays } from '../directory/schemas';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { readRetention, updateRetention } from './settings';

const RetentionView = z.object({
  conversationDays: RetentionDays.describe('Days a resolved conversation is kept, counted from its resolution; null: for good. A service’s retentionDays overrides it.'),
  meetingDays: RetentionDays.describe('Days a meeting is kept after it ended; null: for good.'),
});

const RetentionUpdate = z
  .strictObject({
    conversationDays: RetentionDays.optional().describe(`1–${RETENTION_MAX_DAYS} whole days, or null to keep them for good.`),
    meetingDays: RetentionDays.optional().describe(`1–${RETENTION_MAX_DAYS} whole days, or null to keep them for good.`),
  })
  .refine((v) => v.conversationDays !== undefined || v.meetingDays !== undefined, 'name at least one field to change');

const admin = endpointsFor('Admin: retention', 'admin');

export const getRetentionEndpoint = admin({
  summary: 'How long resolved conversations and past meetings are kept (docs/privacy.md "Retention")',
  response: RetentionView,
  handle: ({ env }) => readRetention(env.DB),
});

export const updateRetentionEndpoint = admin({
  summary: 'Change retention: the daily cron deletes what is older, with everything it holds',
  body: RetentionUpdate,
  response: RetentionView,
  errors: [400],
  audit: { entity: 'retention', id: () => 'organisation', before: ({ env }) => readRetention(env.DB) },
  handle: ({ env, body }) => updateRetention(env.DB, body),
});

export const retentionRoutes: Routes = (api) =>
  api.get('/api/admin/settings/retention', getRetentionEndpoint).patch('/api/admin/settings/retention', updateRetentionEndpoint);
