import type { Recorded } from './intercept';
import { FakeApi } from './scripted';

export const SALESFORCE_INSTANCE = 'https://doorbell-test.my.salesforce.com';
export const SALESFORCE_LOGIN = 'https://login.salesforce.com';
const DATA = '/services/data/v62.0';

interface Lead {
  Id: string;
  FirstName?: string;
  LastName: string;
  Company: string;
  Email: string;
  Phone?: string;
  IsConverted: boolean;
}

const errors = (status: number, errorCode: string, message: string, fields: string[] = []) => Response.json([{ message, errorCode, fields }], { status });

/** Reads back a SOQL string literal, honouring the escapes the SOQL reference lists; null when malformed. */
function soqlLiteral(text: string): string | null {
  const match = /^'((?:[^'\\]|\\[\\'"nrtbf])*)'$/.exec(text);
  if (!match) return null;
  return match[1]!.replace(/\\([\\'"nrtbf])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' })[c] ?? c);
}

/**
 * A local Salesforce org for the REST API calls Doorbell makes: the OAuth 2.0 refresh token
 * flow at login.salesforce.com (form-encoded, with client id and secret), and on the
 * instance, with a Bearer token that is valid, a SOQL query for a Lead by email, Lead create
 * (LastName and Company required) and update, and Task create (WhoId must be a Lead). An
 * expired token answers 401 INVALID_SESSION_ID, as Salesforce does.
 */
export class FakeSalesforce extends FakeApi {
  readonly leads = new Map<string, Lead>();
  readonly tasks: Array<Record<string, string>> = [];
  readonly issuedTokens: string[] = [];
  private sequence = 1;

  constructor(private readonly client: { id: string; secret: string; refreshToken: string }) {
    super();
  }

  addLead(lead: Omit<Lead, 'Id' | 'IsConverted'>, converted = false): string {
    const id = `00Q5g00000Fake${String(this.sequence++).padStart(4, '0')}`;
    this.leads.set(id, { ...lead, Id: id, IsConverted: converted });
    return id;
  }

  /** Every token issued so far stops working (the session timed out). */
  expireSessions(): void {
    this.issuedTokens.length = 0;
  }

  login = (request: Recorded): Response => {
    const injected = this.intercept(request);
    if (injected) return injected;
    if (request.method !== 'POST' || request.url.pathname !== '/services/oauth2/token') return this.violation(`unknown login route ${request.url.pathname}`, new Response('Not found', { status: 404 }));
    if (request.headers.get('content-type') !== 'application/x-www-form-urlencoded') return this.violation('token request not form-encoded', Response.json({ error: 'invalid_request' }, { status: 400 }));
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'refresh_token') return this.violation(`grant_type ${form.get('grant_type')}`, Response.json({ error: 'unsupported_grant_type' }, { status: 400 }));
    if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return Response.json({ error: 'invalid_client', error_description: 'invalid client credentials' }, { status: 400 });
    }
    if (form.get('refresh_token') !== this.client.refreshToken) {
      return Response.json({ error: 'invalid_grant', error_description: 'expired access/refresh token' }, { status: 400 });
    }
    const token = `00D5g000fake!AQ.${crypto.randomUUID()}`;
    this.issuedTokens.push(token);
    return Response.json({
      access_token: token,
      signature: 'fake-signature',
      scope: 'api refresh_token',
      instance_url: SALESFORCE_INSTANCE,
      id: `${SALESFORCE_LOGIN}/id/00D5g000000fake/0055g000000fake`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    });
  };

  instance = (request: Recorded): Response => {
    const injected = this.intercept(request);
    if (injected) return injected;
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    if (!token || !this.issuedTokens.includes(token)) return errors(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (['POST', 'PATCH'].includes(request.method) && request.headers.get('content-type') !== 'application/json') {
      return this.violation(`${request.method} ${request.url.pathname} without JSON content type`, errors(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content type not supported'));
    }
    const route = `${request.method} ${request.url.pathname}`;
    if (route === `GET ${DATA}/query`) return this.query(request.url.searchParams.get('q') ?? '');
    if (route === `POST ${DATA}/sobjects/Lead`) return this.createLead(this.json(request));
    const patch = new RegExp(`^PATCH ${DATA.replace(/\./g, '\\.')}/sobjects/Lead/(\\w+)$`).exec(route);
    if (patch) return this.updateLead(patch[1]!, this.json(request));
    if (route === `POST ${DATA}/sobjects/Task`) return this.createTask(this.json(request));
    return this.violation(`unknown route ${route}`, errors(404, 'NOT_FOUND', 'The requested resource does not exist'));
  };

  private query(soql: string): Response {
    const match = /^SELECT Id FROM Lead WHERE Email = ('(?:[^'\\]|\\.)*') AND IsConverted = false ORDER BY CreatedDate DESC LIMIT 1$/.exec(soql);
    const email = match ? soqlLiteral(match[1]!) : null;
    if (email === null) return this.violation(`unexpected or malformed SOQL: ${soql}`, errors(400, 'MALFORMED_QUERY', 'unexpected token'));
    const records = [...this.leads.values()]
      .filter((l) => !l.IsConverted && l.Email.toLowerCase() === email.toLowerCase())
      .map((l) => ({ attributes: { type: 'Lead', url: `${DATA}/sobjects/Lead/${l.Id}` }, Id: l.Id }));
    return Response.json({ totalSize: records.length, done: true, records });
  }

  private createLead(body: any): Response {
    const missing = ['LastName', 'Company'].filter((f) => !body?.[f]);
    if (missing.length > 0) return errors(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    const id = this.addLead(body);
    return Response.json({ id, success: true, errors: [] }, { status: 201 });
  }

  private updateLead(id: string, body: any): Response {
    const lead = this.leads.get(id);
    if (!lead) return errors(404, 'NOT_FOUND', 'The requested resource does not exist');
    Object.assign(lead, body);
    return new Response(null, { status: 204 });
  }

  private createTask(body: any): Response {
    if (!this.leads.has(body?.WhoId)) return errors(400, 'FIELD_INTEGRITY_EXCEPTION', 'Name ID: id value of incorrect type', ['WhoId']);
    if (body.Status !== 'Completed' || !/^\d{4}-\d{2}-\d{2}$/.test(body.ActivityDate ?? '') || !body.Subject) {
      return this.violation(`task is not a completed activity: ${JSON.stringify(body)}`, errors(400, 'INVALID_FIELD', 'bad task'));
    }
    this.tasks.push(body);
    return Response.json({ id: `00T5g00000Fake${this.tasks.length}`, success: true, errors: [] }, { status: 201 });
  }
}
