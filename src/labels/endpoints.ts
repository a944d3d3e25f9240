import { z } from 'zod';
import { unwrap } from '../actor/outcome';
import { agentParticipant } from '../conversation/model';
import { ConversationView } from '../conversation/protocol';
import { existingConversationActor } from '../conversation/stub';
import { createLabel, deleteLabel, findLabel, listLabels, MAX_LABELS, updateLabel, type Label } from '../directory/labels';
import { ConversationId, Id } from '../directory/schemas';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { collection } from '../http/collection';
import { endpointsFor } from '../http/endpoint';
import { found, notFound } from '../http/errors';
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

const readLabel = async ({ env, params }: { env: Env; params: { id: string } }): Promise<Label> => found(await findLabel(env.DB, params.id), 'Label');

const labels = collection({ tag: 'Admin: labels', access: 'admin', params: LabelParams, view: LabelView, unique: true, audit: { entity: 'label', read: readLabel } });

export const adminListLabelsEndpoint = labels.list({
  summary: "The organisation's labels, by name",
  response: LabelList,
  handle: async ({ env }) => ({ labels: await listLabels(env.DB) }),
});

export const adminCreateLabelEndpoint = labels.create({
  summary: `Add a label agents can put on conversations; ${limits}`,
  body: LabelCreate,
  handle: ({ env, body }) => createLabel(env.DB, body),
});

export const adminGetLabelEndpoint = labels.get({
  summary: 'Read one label',
  handle: readLabel,
});

export const adminUpdateLabelEndpoint = labels.update({
  summary: 'Rename or recolour a label: every conversation shows the change',
  body: LabelUpdate,
  handle: ({ env, params, body }) => updateLabel(env.DB, params.id, body),
});

export const adminDeleteLabelEndpoint = labels.delete({
  summary: 'Delete a label: it disappears from every conversation and inbox',
  handle: ({ env, params }) => deleteLabel(env.DB, params.id),
});

const forAgents = endpointsFor('Labels', 'agent');

export const listLabelsEndpoint = forAgents({
  summary: "The organisation's labels, by name: what an agent may put on a conversation",
  response: LabelList,
  errors: [403],
  handle: async ({ env }) => ({ labels: await listLabels(env.DB) }),
});

const ConversationLabelParams = z.object({
  id: ConversationId,
  labelId: Id,
});

const whoLabels = 'agents who may write in it (licensed, may open it); putting on one it has, or taking off one it lacks, changes nothing';

/** Putting a label on and taking it off: the label exists (404 otherwise, before the conversation is asked), then the actor decides. */
const labelling = (applied: boolean, summary: string) =>
  forAgents({
    summary: `${summary}: ${whoLabels}`,
    params: ConversationLabelParams,
    response: ConversationView,
    errors: [403, 404],
    handle: async ({ env, principal, params }) => {
      const label = await findLabel(env.DB, params.labelId);
      if (!label) throw notFound('Label');
      const actor = await existingConversationActor(env, params.id);
      return unwrap(await actor.setLabel({ kind: 'agent', agent: agentParticipant(principal.agent) }, label, applied));
    },
  });

export const applyLabelEndpoint = labelling(true, 'Put a label on a conversation');
export const removeLabelEndpoint = labelling(false, 'Take a label off a conversation');

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
