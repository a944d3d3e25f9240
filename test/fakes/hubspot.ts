import type { Recorded } from './intercept';
import { FakeApi } from './scripted';

export const HUBSPOT_ORIGIN = 'https://api.hubapi.com';
export const PORTAL_ID = 4242;

interface Contact {
  id: string;
  properties: Record<string, string>;
}

const error = (status: number, category: string, message: string) =>
  Response.json({ status: 'error', message, correlationId: crypto.randomUUID(), category }, { status });

/**
 * A local HubSpot CRM v3 with the documented requests a private app makes: Bearer token,
 * JSON bodies, contact search by an email EQ filter, contact create and update with a
 * `properties` object, notes with hs_timestamp, hs_note_body and a HUBSPOT_DEFINED
 * association of type 202 (note to contact), and the account-info details. Anything else is
 * a violation the test reports.
 */
export class FakeHubSpot extends FakeApi {
  readonly contacts = new Map<string, Contact>();
  readonly notes: Array<{ id: string; properties: Record<string, string>; associations: unknown }> = [];
  private nextId = 501;

  constructor(private readonly token: string) {
    super();
  }

  addContact(properties: Record<string, string>): string {
    const id = String(this.nextId++);
    this.contacts.set(id, { id, properties });
    return id;
  }

  handle = (request: Recorded): Response => {
    const injected = this.intercept(request);
    if (injected) return injected;
    if (request.headers.get('authorization') !== `Bearer ${this.token}`) {
      return this.violation('missing or wrong Bearer token', error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.'));
    }
    if (['POST', 'PATCH'].includes(request.method) && request.headers.get('content-type') !== 'application/json') {
      return this.violation(`${request.method} ${request.url.pathname} without Content-Type: application/json`, error(415, 'VALIDATION_ERROR', 'Unsupported media type'));
    }
    const path = request.url.pathname;
    const route = `${request.method} ${path}`;
    if (route === 'POST /crm/v3/objects/contacts/search') return this.search(this.json(request));
    if (route === 'POST /crm/v3/objects/contacts') return this.create(this.json(request));
    const patch = /^PATCH \/crm\/v3\/objects\/contacts\/(\d+)$/.exec(route);
    if (patch) return this.update(patch[1]!, this.json(request));
    if (route === 'POST /crm/v3/objects/notes') return this.note(this.json(request));
    if (route === 'GET /account-info/v3/details') {
      return Response.json({ portalId: PORTAL_ID, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' });
    }
    return this.violation(`unknown route ${route}`, error(404, 'OBJECT_NOT_FOUND', 'Not found'));
  };

  private search(body: any): Response {
    const filter = body?.filterGroups?.[0]?.filters?.[0];
    if (!filter || filter.propertyName !== 'email' || filter.operator !== 'EQ' || typeof filter.value !== 'string') {
      return this.violation(`search without an email EQ filter: ${JSON.stringify(body)}`, error(400, 'VALIDATION_ERROR', 'Invalid input JSON'));
    }
    const results = [...this.contacts.values()]
      .filter((c) => c.properties.email?.toLowerCase() === filter.value.toLowerCase())
      .map((c) => ({ id: c.id, properties: c.properties, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }));
    return Response.json({ total: results.length, results });
  }

  private create(body: any): Response {
    if (!body?.properties || typeof body.properties !== 'object') return this.violation('create without properties', error(400, 'VALIDATION_ERROR', 'Invalid input JSON'));
    const email = String(body.properties.email ?? '').toLowerCase();
    const existing = [...this.contacts.values()].find((c) => c.properties.email?.toLowerCase() === email);
    if (existing) return error(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
    const id = this.addContact(body.properties);
    return Response.json({ id, properties: body.properties, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), archived: false }, { status: 201 });
  }

  private update(id: string, body: any): Response {
    const contact = this.contacts.get(id);
    if (!contact) return error(404, 'OBJECT_NOT_FOUND', 'resource not found');
    if (!body?.properties) return this.violation('update without properties', error(400, 'VALIDATION_ERROR', 'Invalid input JSON'));
    contact.properties = { ...contact.properties, ...body.properties };
    return Response.json({ id, properties: contact.properties, archived: false });
  }

  private note(body: any): Response {
    const properties = body?.properties ?? {};
    if (!properties.hs_timestamp || Number.isNaN(Date.parse(properties.hs_timestamp))) {
      return this.violation('note without a valid hs_timestamp', error(400, 'VALIDATION_ERROR', 'hs_timestamp is required'));
    }
    if (typeof properties.hs_note_body !== 'string' || properties.hs_note_body.length > 65_536) {
      return this.violation('note without hs_note_body of at most 65,536 characters', error(400, 'VALIDATION_ERROR', 'bad hs_note_body'));
    }
    const association = body.associations?.[0];
    const type = association?.types?.[0];
    if (!association || type?.associationCategory !== 'HUBSPOT_DEFINED' || type?.associationTypeId !== 202 || !this.contacts.has(String(association.to?.id))) {
      return this.violation(`note without a note→contact association (202) to a contact: ${JSON.stringify(body.associations)}`, error(400, 'VALIDATION_ERROR', 'bad association'));
    }
    const id = String(90_000 + this.notes.length);
    this.notes.push({ id, properties, associations: body.associations });
    return Response.json({ id, properties, createdAt: new Date().toISOString(), archived: false }, { status: 201 });
  }
}
