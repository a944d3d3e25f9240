import { activityIntro, activitySubject, crmFetch, CrmError, crmJsonCall, splitName, type CrmClient, type CrmPerson, type CrmPushRequest, type CrmRecord } from './crm';

/** Company is required on a Lead; when the phonebook has none we say so the way Web-to-Lead does. */
export const DEFAULT_COMPANY = '[not provided]';
/** Task.Description holds 32,000 characters. */
const DESCRIPTION_LIMIT = 31_000;

export interface SalesforceOptions {
  instanceUrl: string;
  loginUrl: string;
  apiVersion: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The current access token and instance, kept in the actor's storage across pushes. */
  session: { get(): { accessToken: string; instanceUrl: string } | null; set(session: { accessToken: string; instanceUrl: string; refreshToken?: string }): void };
  initialAccessToken: string | null;
}

/** A string literal in SOQL: backslash, quotes and control characters escaped as the SOQL reference lists. */
export function soqlString(value: string): string {
  const escaped = value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' })[c]!);
  return `'${escaped}'`;
}

/**
 * Salesforce REST API with an OAuth access token: find an unconverted Lead by email (SOQL
 * through /query), create it (POST /sobjects/Lead) or update it (PATCH /sobjects/Lead/{id}),
 * then log the conversation as a completed Task on it (POST /sobjects/Task). A 401
 * INVALID_SESSION_ID is answered by the refresh-token flow (POST {login}/services/oauth2/token)
 * and the call is made once more with the new token, which is kept for the next pushes.
 */
export class SalesforceClient implements CrmClient {
  constructor(private readonly options: SalesforceOptions) {}

  async upsert(person: CrmPerson): Promise<CrmRecord> {
    const soql = `SELECT Id FROM Lead WHERE Email = ${soqlString(person.email)} AND IsConverted = false ORDER BY CreatedDate DESC LIMIT 1`;
    const found = await this.call<{ totalSize: number; records: Array<{ Id: string }> }>('GET', `/query?q=${encodeURIComponent(soql)}`);
    const { first, last } = splitName(person.name);
    const fields: Record<string, string> = { LastName: last, Email: person.email };
    if (first) fields.FirstName = first;
    if (person.phone) fields.Phone = person.phone;
    const existing = found.records[0];
    if (existing) {
      // An existing lead keeps its company unless the phonebook knows better.
      if (person.company) fields.Company = person.company;
      await this.call('PATCH', `/sobjects/Lead/${encodeURIComponent(existing.Id)}`, fields);
      return { id: existing.Id, action: 'updated' };
    }
    const created = await this.call<{ id: string; success: boolean }>('POST', '/sobjects/Lead', {
      ...fields,
      Company: person.company ?? DEFAULT_COMPANY,
      LeadSource: 'Web',
    });
    return { id: created.id, action: 'created' };
  }

  async logActivity(recordId: string, push: CrmPushRequest): Promise<void> {
    await this.call('POST', '/sobjects/Task', {
      WhoId: recordId,
      Subject: activitySubject(push).slice(0, 255),
      Description: `${activityIntro(push)}\n\n${push.transcript}`.slice(0, DESCRIPTION_LIMIT),
      Status: 'Completed',
      Priority: 'Normal',
      ActivityDate: new Date(push.requestedAt).toISOString().slice(0, 10),
    });
  }

  async recordUrl(recordId: string): Promise<string> {
    return `${this.instanceUrl()}/lightning/r/Lead/${recordId}/view`;
  }

  private instanceUrl(): string {
    return (this.options.session.get()?.instanceUrl ?? this.options.instanceUrl).replace(/\/+$/, '');
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let token = this.options.session.get()?.accessToken ?? this.options.initialAccessToken;
    if (!token) token = await this.refresh();
    try {
      return await this.send<T>(token, method, path, body);
    } catch (err) {
      if (!(err instanceof CrmError) || err.status !== 401) throw err;
      return this.send<T>(await this.refresh(), method, path, body);
    }
  }

  private send<T>(token: string, method: string, path: string, body: unknown): Promise<T> {
    return crmJsonCall<T>('Salesforce', `${this.instanceUrl()}/services/data/v${this.options.apiVersion}${path}`, method, token, body);
  }

  /** OAuth 2.0 refresh token flow; a refused refresh token is permanent until an admin sets a new one. */
  private async refresh(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: this.options.refreshToken,
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      format: 'json',
    });
    const response = await crmFetch(
      'Salesforce',
      `${(this.options.loginUrl || 'https://login.salesforce.com').replace(/\/+$/, '')}/services/oauth2/token`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
    );
    const granted = (await response.json()) as { access_token?: string; instance_url?: string; refresh_token?: string };
    if (!granted.access_token) throw new CrmError('Salesforce answered the token refresh without an access token.', null);
    this.options.session.set({
      accessToken: granted.access_token,
      instanceUrl: granted.instance_url ?? this.instanceUrl(),
      ...(granted.refresh_token ? { refreshToken: granted.refresh_token } : {}),
    });
    return granted.access_token;
  }
}
