import { z } from 'zod';
import { getAgentBySlug, type Agent } from '../directory/agents';
import { Slug } from '../directory/schemas';
import type { Env } from '../env';
import { unwrap } from '../actor/outcome';
import type { Routes } from '../http/api';
import { endpointsFor, type Principal } from '../http/endpoint';
import { MeetingTypeInput, MeetingTypePatch, TypeParams } from './meeting-types';
import { calendarActor } from './stub';
import { ownerOf } from './endpoints';

// Meeting types are edited by their agent (/api/calendar/meeting-types) or by an admin for any
// agent (/api/admin/agents/{slug}/meeting-types): the same four operations, told apart only by
// whose calendar they reach.

const TypeList = z.object({ types: z.array(MeetingTypeInput) });

function typeEndpoints<A extends 'agent' | 'admin', P extends z.ZodObject>(
  tag: string,
  access: A,
  params: P,
  agentOf: (env: Env, principal: Principal<A>, params: Partial<Record<string, string>>) => Promise<Agent>,
) {
  const define = endpointsFor(tag, access);
  const itemParams = params.extend(TypeParams.shape);
  // Validated by `params`: the slug (admin) and the type (items) are strings.
  const calendarOf = async (env: Env, principal: Principal<A>, p: unknown) => {
    const agent = await agentOf(env, principal, p as Partial<Record<string, string>>);
    return { calendar: calendarActor(env, agent.id), owner: ownerOf(agent) };
  };
  // An admin's path names the agent; an agent's own is theirs.
  const typeId = ({ principal, params: p, body }: { principal: Principal<A>; params: unknown; body?: unknown }) => {
    const agentSlug = principal.kind === 'agent' ? principal.agent.slug : (p as { slug: string }).slug;
    return `${agentSlug}/${(p as { type?: string }).type ?? (body as { slug: string }).slug}`;
  };
  const readType = async ({ env, principal, params: p }: { env: Env; principal: Principal<A>; params: unknown }) => {
    const { calendar, owner } = await calendarOf(env, principal, p);
    return (await calendar.meetingTypes(owner)).find((t) => t.slug === (p as { type: string }).type) ?? null;
  };
  const audit = { entity: 'meeting_type', id: typeId, before: readType };
  return {
    list: define({
      summary: 'The meeting types of the calendar, in order: the first is the default',
      params,
      response: TypeList,
      errors: [404],
      handle: async ({ env, principal, params: p }) => {
        const { calendar, owner } = await calendarOf(env, principal, p);
        return { types: await calendar.meetingTypes(owner) };
      },
    }),
    create: define({
      summary: 'Add a meeting type (409 meeting_type_exists for a slug in use, meeting_type_limit past 20)',
      params,
      body: MeetingTypeInput,
      response: MeetingTypeInput,
      status: 201,
      errors: [404, 409],
      audit: { entity: 'meeting_type', id: typeId },
      handle: async ({ env, principal, params: p, body }) => {
        const { calendar, owner } = await calendarOf(env, principal, p);
        return unwrap(await calendar.createMeetingType(owner, body));
      },
    }),
    update: define({
      summary: 'Change a meeting type; meetings booked before keep what they were booked with',
      params: itemParams,
      body: MeetingTypePatch,
      response: MeetingTypeInput,
      errors: [404, 409],
      audit,
      handle: async ({ env, principal, params: p, body }) => {
        const { calendar, owner } = await calendarOf(env, principal, p);
        return unwrap(await calendar.updateMeetingType(owner, (p as { type: string }).type, body));
      },
    }),
    delete: define({
      summary: 'Delete a meeting type (409 meeting_type_last for the only one)',
      params: itemParams,
      status: 204,
      errors: [404, 409],
      audit,
      handle: async ({ env, principal, params: p }) => {
        const { calendar, owner } = await calendarOf(env, principal, p);
        unwrap(await calendar.deleteMeetingType(owner, (p as { type: string }).type));
      },
    }),
  };
}

export const agentTypeEndpoints = typeEndpoints('Meetings', 'agent', z.object({}), async (_env, principal) => principal.agent);
export const adminTypeEndpoints = typeEndpoints('Admin: directory', 'admin', z.object({ slug: Slug }), (env, _principal, params) => getAgentBySlug(env.DB, params.slug!));

export const meetingTypeRoutes: Routes = (api) =>
  api
    .get('/api/calendar/meeting-types', agentTypeEndpoints.list)
    .post('/api/calendar/meeting-types', agentTypeEndpoints.create)
    .patch('/api/calendar/meeting-types/:type', agentTypeEndpoints.update)
    .delete('/api/calendar/meeting-types/:type', agentTypeEndpoints.delete)
    .get('/api/admin/agents/:slug/meeting-types', adminTypeEndpoints.list)
    .post('/api/admin/agents/:slug/meeting-types', adminTypeEndpoints.create)
    .patch('/api/admin/agents/:slug/meeting-types/:type', adminTypeEndpoints.update)
    .delete('/api/admin/agents/:slug/meeting-types/:type', adminTypeEndpoints.delete);
