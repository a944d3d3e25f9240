import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** One agent's calendar: availability, meetings and reminders. */
export class CalendarActor extends DurableObject<Env> {}
