import { z } from 'zod';
import { unwrap } from '../actor/outcome';
import { fileKey } from '../conversation/attachments';
import { admit } from '../conversation/endpoints';
import { ConversationParams } from '../directory/schemas';
import { AttachmentId, AttachmentView, ClientId } from '../conversation/protocol';
import { existingConversationActor } from '../conversation/stub';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { displayText } from '../http/validation';
import { attachmentMaxBytes } from '../vars';
import { LINK_LIFETIME_S, signFileLink, verifyFileLink } from './links';
import { checkSize, streamFile, upload } from './upload';
import { INLINE_TYPES } from './sniff';

const forPeople = endpointsFor('Attachments', 'person');
const forAnyone = endpointsFor('Attachments', 'public');

const FileName = displayText(200)
  .refine((name) => !/[\\/]/.test(name), 'must not contain / or \\')
  .refine((name) => name !== '.' && name !== '..', 'must be a file name');

/** The declared size of the upload: required, since R2 stores a stream of known length, and checked before any byte is read. */
function declaredSize(request: Request, max: number): number {
  const header = request.headers.get('content-length');
  const size = header === null || !/^[0-9]{1,16}$/.test(header) ? NaN : Number(header);
  if (Number.isNaN(size)) throw new HttpError(411, 'length_required', 'A file upload needs a Content-Length header (fetch and XMLHttpRequest send one for a File or Blob).');
  checkSize(size, max);
  return size;
}

export const uploadEndpoint = forPeople({
  summary: 'Upload one file (the raw body) for the message with `clientId`; send it by naming its id in that message’s `attachments` (docs/attachments.md)',
  params: ConversationParams,
  query: z.strictObject({
    clientId: ClientId.describe('The clientId of the message the file goes with.'),
    name: FileName.describe('The file name shown; unique within the message (a repeated name answers the first upload).'),
  }),
  rawBody: 'The file’s bytes, with its Content-Length. Its type is found from them (docs/attachments.md “Limits and types”).',
  response: AttachmentView.extend({ duplicate: z.boolean().describe('This name was uploaded for this message before: nothing new was stored.') }),
  status: 201,
  errors: [404, 409, 411, 413, 415],
  handle: async ({ request, env, principal, params, query }) => {
    const caller = await admit(request, env, principal, params.id);
    const conversation = await existingConversationActor(env, params.id);
    const size = declaredSize(request, attachmentMaxBytes(env));
    const file = { clientId: query.clientId, name: query.name, size };
    const done = await upload(conversation, params.id, caller, file, (key) => streamFile(env.FILES, key, request, query.name, size));
    // A retried name stores nothing: its body is not read.
    if (done.duplicate) await request.body?.cancel();
    return { ...done.attachment, duplicate: done.duplicate };
  },
});

export const attachmentEndpoint = forPeople({
  summary: 'A file of the conversation with a signed `url` to read it, valid 10 minutes (docs/attachments.md “Reading a file”)',
  params: ConversationParams.extend({ attachmentId: AttachmentId }),
  response: AttachmentView.extend({ url: z.string(), expiresAt: z.string() }),
  errors: [403, 404],
  handle: async ({ request, env, principal, params }) => {
    const caller = await admit(request, env, principal, params.id);
    const view = unwrap(await (await existingConversationActor(env, params.id)).attachment(caller, params.attachmentId));
    return { ...view, ...(await signFileLink(env, new URL(request.url).origin, params.id, view.id, LINK_LIFETIME_S.api)) };
  },
});

/** `filename` for old clients (ASCII, no quotes), `filename*` with the real name (RFC 6266). */
const disposition = (inline: boolean, name: string): string =>
  `${inline ? 'inline' : 'attachment'}; filename="${name.replace(/[^\x20-\x7e]|["\\%]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

export const fileEndpoint = forAnyone({
  summary: 'The bytes of a file, for the holder of its signed link: inline only for PNG, JPEG, GIF and WebP, a download otherwise',
  params: z.object({ token: z.string().min(1).max(2048) }),
  errors: [401, 404, 410],
  handle: async ({ env, params }) => {
    const { conversationId, attachmentId } = await verifyFileLink(env, params.token);
    const object = await env.FILES.get(fileKey(conversationId, attachmentId));
    if (!object) throw new HttpError(404, 'not_found', 'File was not found.');
    const type = object.httpMetadata?.contentType ?? 'application/octet-stream';
    return new Response(object.body, {
      headers: {
        'content-type': type,
        'content-length': String(object.size),
        'content-disposition': disposition(INLINE_TYPES.has(type), object.customMetadata?.name ?? attachmentId),
        'x-content-type-options': 'nosniff',
        // Even a file a browser opened as a page runs nothing and loads nothing.
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=600',
        'referrer-policy': 'no-referrer',
      },
    });
  },
});

export const attachmentRoutes: Routes = (api) =>
  api
    .post('/api/conversations/:id/attachments', uploadEndpoint)
    .get('/api/conversations/:id/attachments/:attachmentId', attachmentEndpoint)
    .get('/api/files/:token', fileEndpoint);
