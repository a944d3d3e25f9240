import type { CrmActor } from './crm-actor';
import type { WebhookActor } from './webhook-actor';

/** Bindings, vars and secrets of the integrations (README "Configuration", docs/integrations.md). */
export interface IntegrationsEnv {
  WEBHOOKS: DurableObjectNamespace<WebhookActor>;
  CRM: DurableObjectNamespace<CrmActor>;

  /** HubSpot account (portal) id for record links; read from the account-info API when empty. */
  HUBSPOT_PORTAL_ID: string;
  /** e.g. https://yourcompany.my.salesforce.com */
  SALESFORCE_INSTANCE_URL: string;
  /** Where refresh tokens are exchanged; https://login.salesforce.com when empty (test.salesforce.com for sandboxes). */
  SALESFORCE_LOGIN_URL: string;
  /** REST API version such as 62.0. */
  SALESFORCE_API_VERSION: string;

  // Secrets; an integration whose secrets are missing answers 409 crm_not_configured.
  /** HubSpot private app access token (scopes crm.objects.contacts.read/write). */
  HUBSPOT_TOKEN?: string;
  /** A Salesforce access token to start with (optional: the first call then refreshes it). */
  SALESFORCE_ACCESS_TOKEN?: string;
  SALESFORCE_REFRESH_TOKEN?: string;
  SALESFORCE_CLIENT_ID?: string;
  SALESFORCE_CLIENT_SECRET?: string;
}
