/**
 * Every error code the API and the sockets answer: the contract clients branch on.
 * `status` lists the HTTP statuses a code comes with (none for a code only sent in socket
 * `error` frames); `socket` marks the codes a socket `error` frame can carry. docs/api.md's
 * error table and docs/protocol.md's socket table are checked against this one table
 * (test/unit/error-codes.test.ts). This module is the bottom layer: it imports nothing.
 */
export const ERROR_CODES = {
  invalid_request: { status: [400] },
  invalid_answers: { status: [400] },
  invalid_json: { status: [400], socket: true },
  invalid_utf8: { status: [400] },
  invalid_invite: { status: [400] },
  unknown_placeholder: { status: [400] },
  too_many_attachments: { status: [400] },
  unknown_attachment: { status: [400], socket: true },
  url_not_allowed: { status: [400] },
  invalid_unsubscribe_link: { status: [400] },
  // Erasing a guest (docs/privacy.md): `confirm` must repeat the guest id.
  erase_not_confirmed: { status: [400] },
  // A backup page or format that does not fit this deployment's schema (docs/backups.md).
  backup_incompatible: { status: [400] },
  unauthorized: { status: [401] },
  invalid_link: { status: [401] },
  // A user token of an identified visitor (docs/widget.md "Identified visitors").
  identity_invalid: { status: [401] },
  identity_expired: { status: [401] },
  // A guest token of a guest who was erased (docs/privacy.md).
  guest_erased: { status: [401] },
  unknown_agent: { status: [403] },
  agent_not_licensed: { status: [403], socket: true },
  agents_only: { status: [403], socket: true },
  canned_reply_not_owned: { status: [403] },
  // An agent's guest export while the admin has not allowed agents to export (docs/privacy.md).
  export_not_allowed: { status: [403] },
  // Also the `rate` frame from an agent: only guests rate.
  guests_only: { status: [403], socket: true },
  origin_not_allowed: { status: [403] },
  conversation_private: { status: [403] },
  // 403 where a rule needs a participant (visibility, CRM push); 409 for leaving a conversation one is not in.
  not_a_participant: { status: [403, 409] },
  not_found: { status: [404], socket: true },
  method_not_allowed: { status: [405] },
  already_exists: { status: [409] },
  still_referenced: { status: [409] },
  contact_exists: { status: [409] },
  contact_conflict: { status: [409] },
  canned_reply_exists: { status: [409] },
  canned_reply_limit: { status: [409] },
  label_exists: { status: [409] },
  label_limit: { status: [409] },
  agent_unavailable: { status: [409] },
  service_unavailable: { status: [409] },
  slot_taken: { status: [409] },
  booking_key_reused: { status: [409] },
  offer_booked: { status: [409] },
  slot_unavailable: { status: [409] },
  // Another booking page holds the time; `details.freesAt` says until when.
  slot_held: { status: [409] },
  meeting_type_exists: { status: [409] },
  meeting_type_limit: { status: [409] },
  meeting_type_last: { status: [409] },
  crm_not_configured: { status: [409] },
  identity_not_configured: { status: [409] },
  message_already_sent: { status: [409] },
  // Restoring a backup (docs/backups.md): only into an empty deployment; pages only while its restore runs.
  not_empty: { status: [409] },
  restore_not_running: { status: [409] },
  link_expired: { status: [410] },
  invite_used: { status: [410] },
  invite_revoked: { status: [410] },
  invite_expired: { status: [410] },
  length_required: { status: [411] },
  body_too_large: { status: [413] },
  attachment_too_large: { status: [413] },
  unsupported_media_type: { status: [415] },
  file_type_not_allowed: { status: [415] },
  file_type_mismatch: { status: [415] },
  member_not_in_service: { status: [422] },
  member_not_licensed: { status: [422] },
  guest_email_required: { status: [422] },
  upgrade_required: { status: [426] },
  internal: { status: [500], socket: true },
  admin_disabled: { status: [503] },
  email_not_configured: { status: [503] },
  // A guest's export by email that the transport did not take (docs/privacy.md); nothing was sent.
  email_send_failed: { status: [503] },
  auth_not_configured: { status: [503] },
  frame_too_large: { status: [], socket: true },
  rate_limited: { status: [429], socket: true },
  invalid_frame: { status: [], socket: true },
  token_expired: { status: [], socket: true },
  read_only: { status: [], socket: true },
  // A `rate` frame for a resolution that is not the current one, or while not resolved.
  rating_closed: { status: [], socket: true },
  // A second, different rating of a resolution already rated.
  already_rated: { status: [], socket: true },
} as const satisfies Record<string, { status: readonly number[]; socket?: true }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The HTTP statuses `code` may be answered with. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]['status'][number];
export type ErrorStatus = StatusOf<ErrorCode>;
export type SocketErrorCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { socket: true } ? C : never }[ErrorCode];

/**
 * The one error class of the API. Anything thrown that is not an HttpError is a bug:
 * it is logged and answered with a generic 500, never with its message or stack.
 * The status is checked against the code's entry in ERROR_CODES at compile time.
 */
export class HttpError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly status: StatusOf<C>,
    readonly code: C,
    message: string,
    readonly details?: unknown,
    /** Headers the answer carries besides the envelope's, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorEnvelope(code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The `error` frame of every socket (docs/protocol.md); `clientId` answers the `send` it refuses. */
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  clientId?: string;
}

/** Close codes the server uses on every socket (4000–4999 are application codes). */
export const CLOSE = {
  normal: 1000,
  unauthorized: 4001,
  forbidden: 4003,
  /** The client left more unread than the send window allows (actor/sockets.ts). */
  notReading: 4008,
} as const;
