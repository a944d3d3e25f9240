import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** One conversation: its participants, timeline and connected sockets. */
export class ConversationActor extends DurableObject<Env> {}
