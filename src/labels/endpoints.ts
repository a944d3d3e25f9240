import { z } from 'zod';
import { unwrap } from '../actor/outcome';
import { agentParticipant } from '../conversation/model';
import { ConversationView } from '../conversation/protocol';
import { existingConversationActor } from '../conversation/stub';
import { createLabel, deleteLabel, findLabel, listLabels, MAX_LABELS, updateLabel, type Label } from '../directory/labels';
import { Id } from '../directory/schemas';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { endpoint, type Principal } from '../http/endpoint';
import { notFound } from '../http/errors';
import { displayText } from '../http/validation';

const NAME_MAX = 40;

const Name = displayText(NAME_MAX).describe(`1–${NAME_MAX} characters, unique ignoring case.`);
const Color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour as #rrggbb')
  .describe('#rrggbb; stored in lower case. The console writes black or white on it, whichever reads better.');

const LabelCreate = z.strictObject({ name: Name, color: Color });
const LabelUpdate = z
  .strictObject({ name: Name.optional(), color: Color.optional() })
  .refine((v) => v.name !== undefined || v.color !== undefined, 'name at least one field to change');
const LabelParams = z.object({ id: Id });

const LabelView = z.object({ id: z.string(), name: z.string(), color: z.string(), createdAt: z.string(), updatedAt: z.string() });
const LabelList = z.object({ labels: z.array(LabelView) });

const limits = `name unique ignoring case (409 label_exists), at most ${MAX_LABELS} labels (409 label_limit)`;

const adminTag = 'Admin: labels';

export const adminListLabelsEndpoint = endpoint({
  summary: "The organisation's labels, by name",
  tag: adminTag,
  access: 'admin',
  response: LabelList,
  handle: async ({ env }) => ({ labels: await listLabels(env.DB) }),
});

export const adminCreateLabelEndpoint = endpoint({
  summary: `Add a label agents can put on conversations; ${limits}`,
  tag: adminTag,
  access: 'admin',
  body: LabelCreate,
  response: LabelView,
  status: 201,
  errors: [409],
  handle: ({ env, body }) => createLabel(env.DB, body),
});

export const adminGetLabelEndpoint = endpoint({
  summary: 'Read one label',
  tag: adminTag,
  access: 'admin',
  params: LabelParams,
  response: LabelView,
  errors: [404],
  handle: async ({ env, params }): Promise<Label> => {
    const label = await findLabel(env.DB, params.id);
    if (!label) throw notFound('Label');
    return label;
  },
});

export const adminUpdateLabelEndpoint = endpoint({
  summary: 'Rename or recolour a label: every conversation shows the change',
  tag: adminTag,
  access: 'admin',
  params: LabelParams,
  body: LabelUpdate,
  response: LabelView,
  errors: [404, 409],
  handle: ({ env, params, body }) => updateLabel(env.DB, params.id, body),
});

export const adminDeleteLabelEndpoint = endpoint({
  summary: 'Delete a label: it disappears from every conversation and inbox',
  tag: adminTag,
  access: 'admin',
  params: LabelParams,
  status: 204,
  errors: [404],
  handle: ({ env, params }) => deleteLabel(env.DB, params.id),
});

export const listLabelsEndpoint = endpoint({
  summary: "The organisation's labels, by name: what an agent may put on a conversation",
  tag: 'Labels',
  access: 'agent',
  response: LabelList,
  errors: [403],
  handle: async ({ env }) => ({ labels: await listLabels(env.DB) }),
});

const ConversationLabelParams = z.object({
  id: z.string().regex(/^cv_[a-f0-9]{32}$/, 'must be a conversation id'),
  labelId: Id,
});

/** The label exists (404 otherwise, before the conversation is asked), then the actor decides. */
async function setLabel(env: Env, principal: Principal<'agent'>, params: z.infer<typeof ConversationLabelParams>, applied: boolean) {
  const label = await findLabel(env.DB, params.labelId);
  if (!label) throw notFound('Label');
  const actor = await existingConversationActor(env, params.id);
  return unwrap(await actor.setLabel({ kind: 'agent', agent: agentParticipant(principal.agent) }, label, applied));
}

const whoLabels = 'agents who may write in it (licensed, may open it); putting on one it has, or taking off one it lacks, changes nothing';

export const applyLabelEndpoint = endpoint({
  summary: `Put a label on a conversation: ${whoLabels}`,
  tag: 'Labels',
  access: 'agent',
  params: ConversationLabelParams,
  response: ConversationView,
  errors: [403, 404],
  handle: ({ env, principal, params }) => setLabel(env, principal, params, true),
});

export const removeLabelEndpoint = endpoint({
  summary: `Take a label off a conversation: ${whoLabels}`,
  tag: 'Labels',
  access: 'agent',
  params: ConversationLabelParams,
  response: ConversationView,
  errors: [403, 404],
  handle: ({ env, principal, params }) => setLabel(env, principal, params, false),
});

export const labelRoutes: Routes = (api) =>
  api
    .get('/api/labels', listLabelsEndpoint)
    .put('/api/conversations/:id/labels/:labelId', applyLabelEndpoint)
    .delete('/api/conversations/:id/labels/:labelId', removeLabelEndpoint)
    .get('/api/admin/labels', adminListLabelsEndpoint)
    .post('/api/admin/labels', adminCreateLabelEndpoint)
    .get('/api/admin/labels/:id', adminGetLabelEndpoint)
    .patch('/api/admin/labels/:id', adminUpdateLabelEndpoint)
    .delete('/api/admin/labels/:id', adminDeleteLabelEndpoint);
