import type { CrmProvider } from './crm';
import type { IntegrationsEnv } from './env';

/** One CRM actor per provider: it holds that provider's push queue and credentials state. */
export const crmActor = (env: Pick<IntegrationsEnv, 'CRM'>, provider: CrmProvider) => env.CRM.getByName(provider);

/** One webhook actor per registered endpoint, named by the endpoint's id. */
export const webhookActor = (env: Pick<IntegrationsEnv, 'WEBHOOKS'>, endpointId: string) => env.WEBHOOKS.getByName(endpointId);
