import { z } from 'zod';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { collection } from '../http/collection';
import { endpointsFor } from '../http/endpoint';
import { createAgent, deleteAgent, getAgentBySlug, listAgents, updateAgent } from './agents';
import {
  AgentCreate,
  AgentUpdate,
  AgentView,
  MemberParams,
  ServiceCreate,
  ServiceUpdate,
  ServiceView,
  SlugParams,
} from './schemas';
import {
  addMember,
  createService,
  deleteService,
  getServiceBySlug,
  listServices,
  removeMember,
  updateService,
} from './services';

const tag = 'Admin: directory';

const readAgent = ({ env, params }: { env: Env; params: { slug: string } }) => getAgentBySlug(env.DB, params.slug);
const readService = ({ env, params }: { env: Env; params: { slug: string } }) => getServiceBySlug(env.DB, params.slug);

const agents = collection({ tag, access: 'admin', params: SlugParams, view: AgentView, unique: true, audit: { entity: 'agent', read: readAgent } });

export const listAgentsEndpoint = agents.list({
  summary: 'List agents with their license tiers',
  response: z.object({ agents: z.array(AgentView) }),
  handle: async ({ env }) => ({ agents: await listAgents(env.DB) }),
});

export const createAgentEndpoint = agents.create({
  summary: 'Create an agent',
  body: AgentCreate,
  handle: ({ env, body }) => createAgent(env.DB, body),
});

export const getAgentEndpoint = agents.get({
  summary: 'Read an agent',
  handle: readAgent,
});

export const updateAgentEndpoint = agents.update({
  summary: 'Change an agent (name, email, avatar, slug, time zone or license tier)',
  body: AgentUpdate,
  handle: ({ env, params, body }) => updateAgent(env.DB, params.slug, body),
});

export const deleteAgentEndpoint = agents.delete({
  summary: 'Delete an agent (and their memberships)',
  handle: ({ env, params }) => deleteAgent(env.DB, params.slug),
});

const services = collection({ tag, access: 'admin', params: SlugParams, view: ServiceView, unique: true, audit: { entity: 'service', read: readService } });

export const listServicesEndpoint = services.list({
  summary: 'List services with their members, licensed members and assignable flag',
  response: z.object({ services: z.array(ServiceView) }),
  handle: async ({ env }) => ({ services: await listServices(env.DB) }),
});

export const createServiceEndpoint = services.create({
  summary: 'Create a service',
  body: ServiceCreate,
  handle: ({ env, body }) => createService(env.DB, body),
});

export const getServiceEndpoint = services.get({
  summary: 'Read a service with its members',
  handle: readService,
});

export const updateServiceEndpoint = services.update({
  summary: 'Change a service (name, slug, avatar, embed allowlist, transcripts)',
  body: ServiceUpdate,
  handle: ({ env, params, body }) => updateService(env.DB, params.slug, body),
});

export const deleteServiceEndpoint = services.delete({
  summary: 'Delete a service (and its memberships)',
  handle: ({ env, params }) => deleteService(env.DB, params.slug),
});

const membership = endpointsFor(tag, 'admin');

export const addMemberEndpoint = membership({
  summary: 'Make an agent a member of a service (idempotent)',
  params: MemberParams,
  response: ServiceView,
  errors: [404],
  audit: { entity: 'service', action: 'add_member', before: readService },
  handle: ({ env, params }) => addMember(env.DB, params.slug, params.agentSlug),
});

export const removeMemberEndpoint = membership({
  summary: 'Remove an agent from a service',
  params: MemberParams,
  response: ServiceView,
  errors: [404],
  audit: { entity: 'service', action: 'remove_member', before: readService },
  handle: ({ env, params }) => removeMember(env.DB, params.slug, params.agentSlug),
});

export const adminDirectoryRoutes: Routes = (api) =>
  api
    .get('/api/admin/agents', listAgentsEndpoint)
    .post('/api/admin/agents', createAgentEndpoint)
    .get('/api/admin/agents/:slug', getAgentEndpoint)
    .patch('/api/admin/agents/:slug', updateAgentEndpoint)
    .delete('/api/admin/agents/:slug', deleteAgentEndpoint)
    .get('/api/admin/services', listServicesEndpoint)
    .post('/api/admin/services', createServiceEndpoint)
    .get('/api/admin/services/:slug', getServiceEndpoint)
    .patch('/api/admin/services/:slug', updateServiceEndpoint)
    .delete('/api/admin/services/:slug', deleteServiceEndpoint)
    .put('/api/admin/services/:slug/members/:agentSlug', addMemberEndpoint)
    .delete('/api/admin/services/:slug/members/:agentSlug', removeMemberEndpoint);
