import { z } from 'zod';
import type { Routes } from '../http/api';
import { endpoint } from '../http/endpoint';
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

export const listAgentsEndpoint = endpoint({
  summary: 'List agents with their license tiers',
  tag,
  access: 'admin',
  response: z.object({ agents: z.array(AgentView) }),
  handle: async ({ env }) => ({ agents: await listAgents(env.DB) }),
});

export const createAgentEndpoint = endpoint({
  summary: 'Create an agent',
  tag,
  access: 'admin',
  body: AgentCreate,
  response: AgentView,
  status: 201,
  errors: [409],
  handle: ({ env, body }) => createAgent(env.DB, body),
});

export const getAgentEndpoint = endpoint({
  summary: 'Read an agent',
  tag,
  access: 'admin',
  params: SlugParams,
  response: AgentView,
  errors: [404],
  handle: ({ env, params }) => getAgentBySlug(env.DB, params.slug),
});

export const updateAgentEndpoint = endpoint({
  summary: 'Change an agent (name, email, avatar, slug, time zone or license tier)',
  tag,
  access: 'admin',
  params: SlugParams,
  body: AgentUpdate,
  response: AgentView,
  errors: [404, 409],
  handle: ({ env, params, body }) => updateAgent(env.DB, params.slug, body),
});

export const deleteAgentEndpoint = endpoint({
  summary: 'Delete an agent (and their memberships)',
  tag,
  access: 'admin',
  params: SlugParams,
  status: 204,
  errors: [404],
  handle: async ({ env, params }) => deleteAgent(env.DB, params.slug),
});

export const listServicesEndpoint = endpoint({
  summary: 'List services with their members, licensed members and assignable flag',
  tag,
  access: 'admin',
  response: z.object({ services: z.array(ServiceView) }),
  handle: async ({ env }) => ({ services: await listServices(env.DB) }),
});

export const createServiceEndpoint = endpoint({
  summary: 'Create a service',
  tag,
  access: 'admin',
  body: ServiceCreate,
  response: ServiceView,
  status: 201,
  errors: [409],
  handle: ({ env, body }) => createService(env.DB, body),
});

export const getServiceEndpoint = endpoint({
  summary: 'Read a service with its members',
  tag,
  access: 'admin',
  params: SlugParams,
  response: ServiceView,
  errors: [404],
  handle: ({ env, params }) => getServiceBySlug(env.DB, params.slug),
});

export const updateServiceEndpoint = endpoint({
  summary: 'Change a service (name, slug, avatar, embed allowlist, transcripts)',
  tag,
  access: 'admin',
  params: SlugParams,
  body: ServiceUpdate,
  response: ServiceView,
  errors: [404, 409],
  handle: ({ env, params, body }) => updateService(env.DB, params.slug, body),
});

export const deleteServiceEndpoint = endpoint({
  summary: 'Delete a service (and its memberships)',
  tag,
  access: 'admin',
  params: SlugParams,
  status: 204,
  errors: [404],
  handle: async ({ env, params }) => deleteService(env.DB, params.slug),
});

export const addMemberEndpoint = endpoint({
  summary: 'Make an agent a member of a service (idempotent)',
  tag,
  access: 'admin',
  params: MemberParams,
  response: ServiceView,
  errors: [404],
  handle: ({ env, params }) => addMember(env.DB, params.slug, params.agentSlug),
});

export const removeMemberEndpoint = endpoint({
  summary: 'Remove an agent from a service',
  tag,
  access: 'admin',
  params: MemberParams,
  response: ServiceView,
  errors: [404],
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
