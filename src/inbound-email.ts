import { receiveCalendarReply } from './calendar/inbound-reply';
import { receiveReply } from './continuity/inbound-reply';
import { looksLikeReplyAddress } from './continuity/reply-address';
import type { InboundEmail } from './email/message';
import type { Env } from './env';

/**
 * The Worker's email handler. It sits above the features so that email/ stays transport
 * only: mail to a reply address (reply+…@REPLY_DOMAIN) answers a continuity email (C12) and
 * goes into its conversation; anything else is read as a calendar's reply to an invite (M3).
 */
export async function receiveEmail(message: InboundEmail, env: Env): Promise<void> {
  if (looksLikeReplyAddress(message.to)) return receiveReply(message, env);
  return receiveCalendarReply(message, env);
}
