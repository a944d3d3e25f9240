import { z } from 'zod';
import {
  createCannedReply,
  deleteCannedReply,
  findCannedReply,
  listCannedReplies,
  MAX_CANNED_REPLIES_PER_OWNER,
  updateCannedReply,
  type CannedReply,
} from '../directory/canned-replies';
import { Id } from '../directory/schemas';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { collection } from '../http/collection';
import type { Principal } from '../http/endpoint';
import { HttpError, notFound } from '../http/errors';
import { PLACEHOLDERS, unknownPlaceholders } from './placeholders';

export const TEXT_MAX = 2000;

const Shortcut = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1–32 lowercase letters, digits, _ or -, starting with a letter or digit')
  .describe('Typed after / in the composer, e.g. thx.');

// Newline and tab are text; any other control character (C0, DEL, C1) would be invisible in
// the composer or break a transcript.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const Text = z
  .string()
  .trim()
  .refine((text) => text.length > 0, 'must not be empty')
  // Characters as people count them (code points), as SQLite's length() does.
  .refine((text) => [...text].length <= TEXT_MAX, `must be at most ${TEXT_MAX} characters`)
  .refine((text) => !CONTROL.test(text), 'must not contain control characters other than newline and tab')
  .refine((text) => text.isWellFormed(), 'must be valid Unicode (no lone surrogates)')
  .describe(`The reply; may contain the placeholders ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`);

const CannedReplyCreate = z.strictObject({ shortcut: Shortcut, text: Text });
const CannedReplyUpdate = z
  .strictObject({ shortcut: Shortcut.optional(), text: Text.optional() })
  .refine((v) => v.shortcut !== undefined || v.text !== undefined, 'name at least one field to change');
const CannedParams = z.object({ id: Id });

const CannedReplyView = z.object({
  id: z.string(),
  scope: z.enum(['organisation', 'personal']).describe("organisation: every agent's (admin API); personal: the calling agent's own."),
  shortcut: z.string(),
  text: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const CannedReplyList = z.object({ cannedReplies: z.array(CannedReplyView) });

const view = (reply: CannedReply): z.input<typeof CannedReplyView> => ({
  ...reply,
  scope: reply.ownerId === null ? 'organisation' : 'personal',
});

/** Placeholders are checked here rather than in the schema so that the answer names them in its own code. */
function withKnownPlaceholders<B extends { text?: string | undefined }>(body: B): B {
  const unknown = body.text === undefined ? [] : unknownPlaceholders(body.text);
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      'unknown_placeholder',
      `Unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{{${n}}}`).join(', ')}: use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
      { names: unknown, known: PLACEHOLDERS },
    );
  }
  return body;
}

/** Whose replies an agent works with: their own (the admin's are the organisation's, null). */
const ownerOf = (principal: Principal<'agent'>): string => principal.agent.id;

/** The admin reads the organisation's replies; an agent those and their own. Another agent's is "not found". */
async function readable(db: D1Database, id: string, owner: string | null): Promise<CannedReply> {
  const reply = await findCannedReply(db, id);
  if (!reply || (reply.ownerId !== null && reply.ownerId !== owner)) throw notFound('Canned reply');
  return reply;
}

/** Only the owner changes a reply; an agent may read the organisation's but not change them. */
async function writable(db: D1Database, id: string, owner: string | null): Promise<void> {
  const reply = await readable(db, id, owner);
  if (reply.ownerId !== owner) {
    throw new HttpError(403, 'canned_reply_not_owned', "This canned reply is the organisation's: only an admin changes it (/api/admin/canned-replies).");
  }
}

const limits = `shortcut unique per owner (409 canned_reply_exists), at most ${MAX_CANNED_REPLIES_PER_OWNER} per owner (409 canned_reply_limit)`;

const readOrganisationReply = async ({ env, params }: { env: Env; params: { id: string } }) => view(await readable(env.DB, params.id, null));

const organisation = collection({
  tag: 'Admin: canned replies',
  access: 'admin',
  params: CannedParams,
  view: CannedReplyView,
  unique: true,
  audit: { entity: 'canned_reply', read: readOrganisationReply },
});

export const adminListCannedEndpoint = organisation.list({
  summary: "List the organisation's canned replies, by shortcut",
  response: CannedReplyList,
  handle: async ({ env }) => ({ cannedReplies: (await listCannedReplies(env.DB, null)).map(view) }),
});

export const adminCreateCannedEndpoint = organisation.create({
  summary: `Add a canned reply for every agent; ${limits}`,
  body: CannedReplyCreate,
  handle: async ({ env, body }) => view(await createCannedReply(env.DB, null, withKnownPlaceholders(body))),
});

export const adminGetCannedEndpoint = organisation.get({
  summary: "Read one of the organisation's canned replies (agents' personal ones are 404)",
  handle: readOrganisationReply,
});

export const adminUpdateCannedEndpoint = organisation.update({
  summary: "Change one of the organisation's canned replies (shortcut, text)",
  body: CannedReplyUpdate,
  // Scoped to the organisation in SQL: an agent's personal reply is not found.
  handle: async ({ env, params, body }) => view(await updateCannedReply(env.DB, params.id, null, withKnownPlaceholders(body))),
});

export const adminDeleteCannedEndpoint = organisation.delete({
  summary: "Delete one of the organisation's canned replies",
  handle: ({ env, params }) => deleteCannedReply(env.DB, params.id, null),
});

// 403 besides: an organisation's reply is not the agent's to change, and a guest token is refused.
const readOwnReply = async ({ env, principal, params }: { env: Env; principal: Principal<'agent'>; params: { id: string } }) =>
  view(await readable(env.DB, params.id, ownerOf(principal)));

const personal = collection({
  tag: 'Canned replies',
  access: 'agent',
  params: CannedParams,
  view: CannedReplyView,
  unique: true,
  errors: [403],
  audit: { entity: 'canned_reply', read: readOwnReply },
});

export const listCannedEndpoint = personal.list({
  summary: "The canned replies offered to the calling agent: the organisation's and their own, by shortcut",
  response: CannedReplyList,
  handle: async ({ env, principal }) => ({ cannedReplies: (await listCannedReplies(env.DB, ownerOf(principal))).map(view) }),
});

export const createCannedEndpoint = personal.create({
  summary: `Add a personal canned reply, offered only to the calling agent; ${limits}`,
  body: CannedReplyCreate,
  handle: async ({ env, principal, body }) => view(await createCannedReply(env.DB, ownerOf(principal), withKnownPlaceholders(body))),
});

export const getCannedEndpoint = personal.get({
  summary: "Read one of the organisation's canned replies or one of the agent's own (another agent's is 404)",
  handle: readOwnReply,
});

export const updateCannedEndpoint = personal.update({
  summary: "Change one of the agent's own canned replies; the organisation's are 403 canned_reply_not_owned",
  body: CannedReplyUpdate,
  handle: async ({ env, principal, params, body }) => {
    const owner = ownerOf(principal);
    await writable(env.DB, params.id, owner);
    return view(await updateCannedReply(env.DB, params.id, owner, withKnownPlaceholders(body)));
  },
});

export const deleteCannedEndpoint = personal.delete({
  summary: "Delete one of the agent's own canned replies; the organisation's are 403 canned_reply_not_owned",
  handle: async ({ env, principal, params }) => {
    const owner = ownerOf(principal);
    await writable(env.DB, params.id, owner);
    await deleteCannedReply(env.DB, params.id, owner);
  },
});

export const cannedRoutes: Routes = (api) =>
  api
    .get('/api/canned-replies', listCannedEndpoint)
    .post('/api/canned-replies', createCannedEndpoint)
    .get('/api/canned-replies/:id', getCannedEndpoint)
    .patch('/api/canned-replies/:id', updateCannedEndpoint)
    .delete('/api/canned-replies/:id', deleteCannedEndpoint)
    .get('/api/admin/canned-replies', adminListCannedEndpoint)
    .post('/api/admin/canned-replies', adminCreateCannedEndpoint)
    .get('/api/admin/canned-replies/:id', adminGetCannedEndpoint)
    .patch('/api/admin/canned-replies/:id', adminUpdateCannedEndpoint)
    .delete('/api/admin/canned-replies/:id', adminDeleteCannedEndpoint);
