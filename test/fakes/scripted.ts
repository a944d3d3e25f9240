import type { Recorded } from './intercept';

/** An answer injected into a fake for requests that match, used up once each (a 429, a 500, a 400). */
export interface Injected {
  match: (request: Recorded) => boolean;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What the CRM fakes share: the requests they received, problems with those requests
 * (anything the provider's documentation says it would refuse, collected so a test fails
 * on them), and injected failures.
 */
export class FakeApi {
  readonly requests: Recorded[] = [];
  readonly violations: string[] = [];
  private readonly injected: Injected[] = [];

  inject(failure: Injected): void {
    this.injected.push(failure);
  }

  /** Records the request and answers an injected failure if one matches. */
  protected intercept(request: Recorded): Response | null {
    this.requests.push(request);
    const index = this.injected.findIndex((f) => f.match(request));
    if (index < 0) return null;
    const [failure] = this.injected.splice(index, 1);
    return Response.json(failure!.body, { status: failure!.status, headers: failure!.headers ?? {} });
  }

  /** Notes a request the real API would refuse, and answers as it documents for bad input. */
  protected violation(message: string, answer: Response): Response {
    this.violations.push(message);
    return answer;
  }

  protected json(request: Recorded): any {
    try {
      return JSON.parse(request.body);
    } catch {
      this.violations.push(`${request.method} ${request.url.pathname}: body is not JSON`);
      return {};
    }
  }
}
