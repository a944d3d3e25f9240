import { activityIntro, activitySubject, CrmError, crmJsonCall, splitName, type CrmClient, type CrmPerson, type CrmPushRequest, type CrmRecord } from './crm';

export const HUBSPOT_API = 'https://api.hubapi.com';
/** HubSpot-defined association type of note → contact (CRM associations v4 type list). */
export const NOTE_TO_CONTACT = 202;
/** hs_note_body is limited to 65,536 characters. */
const NOTE_LIMIT = 65_000;

export interface HubSpotOptions {
  token: string;
  portalId: string;
  /** Where the portal id read from HubSpot is kept between pushes. */
  cache: { get(key: string): string | null; set(key: string, value: string): void };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * HubSpot CRM v3 with a private app token: find the contact by email
 * (POST /crm/v3/objects/contacts/search), create it (POST /crm/v3/objects/contacts) or update
 * it (PATCH /crm/v3/objects/contacts/{id}), then log the conversation as a note associated
 * with it (POST /crm/v3/objects/notes). HubSpot's 429 carries no Retry-After in most cases;
 * when it does, it is honoured, else the actor's backoff applies.
 */
export class HubSpotClient implements CrmClient {
  constructor(private readonly options: HubSpotOptions) {}

  async upsert(person: CrmPerson): Promise<CrmRecord> {
    const found = await this.call<{ total: number; results: Array<{ id: string }> }>('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: person.email }] }],
      properties: ['email', 'firstname', 'lastname', 'phone', 'company'],
      limit: 1,
    });
    const { first, last } = splitName(person.name);
    const properties: Record<string, string> = { email: person.email, lastname: last };
    if (first) properties.firstname = first;
    if (person.phone) properties.phone = person.phone;
    if (person.company) properties.company = person.company;
    const existing = found.results[0];
    if (existing) {
      await this.call('PATCH', `/crm/v3/objects/contacts/${encodeURIComponent(existing.id)}`, { properties });
      return { id: existing.id, action: 'updated' };
    }
    try {
      const created = await this.call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties });
      return { id: created.id, action: 'created' };
    } catch (err) {
      // Someone created the same email between our search and create: search again on the retry.
      if (err instanceof CrmError && err.status === 409) throw new CrmError(err.message, 'backoff', 409, err.code);
      throw err;
    }
  }

  async logActivity(recordId: string, push: CrmPushRequest): Promise<void> {
    const body = `<p><strong>${escapeHtml(activitySubject(push))}</strong><br>${escapeHtml(activityIntro(push))}</p><p>${escapeHtml(push.transcript).replace(/\n/g, '<br>')}</p>`;
    await this.call('POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: new Date(push.requestedAt).toISOString(), hs_note_body: body.slice(0, NOTE_LIMIT) },
      associations: [{ to: { id: recordId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }] }],
    });
  }

  /** https://app.hubspot.com/contacts/{portalId}/record/0-1/{contactId} (0-1 is the contact object type). */
  async recordUrl(recordId: string): Promise<string> {
    let portal = this.options.portalId || this.options.cache.get('hubspot.portalId');
    let domain = this.options.cache.get('hubspot.uiDomain') ?? 'app.hubspot.com';
    if (!portal) {
      const details = await this.call<{ portalId: number; uiDomain?: string }>('GET', '/account-info/v3/details');
      portal = String(details.portalId);
      domain = details.uiDomain ?? domain;
      this.options.cache.set('hubspot.portalId', portal);
      this.options.cache.set('hubspot.uiDomain', domain);
    }
    return `https://${domain}/contacts/${portal}/record/0-1/${recordId}`;
  }

  private call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return crmJsonCall<T>('HubSpot', `${HUBSPOT_API}${path}`, method, this.options.token, body);
  }
}
