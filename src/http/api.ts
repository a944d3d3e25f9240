import { Router, type IRequest } from 'itty-router';
import type { Env } from '../env';
import type { Access, Endpoint } from './endpoint';
import { runEndpoint } from './endpoint';
import { errorResponse, HttpError } from './errors';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Route {
  method: Method;
  path: string;
  endpoint: Endpoint;
}

/** A feature's routes, exported beside its handlers and added to the Worker's table in src/index.ts. */
export type Routes = (api: Api) => Api;

/**
 * The Worker's route table: itty-router matches, and the same list of routes feeds the
 * OpenAPI document (see openapi.ts).
 */
export class Api {
  readonly routes: Route[] = [];
  /** Each route's path as a regular expression, made once: every request is matched against them all. */
  private readonly patterns = new Map<Route, RegExp>();
  private readonly router = Router<IRequest, [Env, ExecutionContext]>({
    catch: (err) => errorResponse(err),
  });

  add(method: Method, path: string, endpoint: Endpoint<any, any, any, any, any>): this {
    const route = { method, path, endpoint };
    this.routes.push(route);
    this.patterns.set(route, new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}/?$`));
    this.router[method](path, (request, env, ctx) => runEndpoint(endpoint, request, env, ctx));
    return this;
  }

  get = (path: string, e: Endpoint<any, any, any, any, any>): this => this.add('get', path, e);
  post = (path: string, e: Endpoint<any, any, any, any, any>): this => this.add('post', path, e);
  put = (path: string, e: Endpoint<any, any, any, any, any>): this => this.add('put', path, e);
  patch = (path: string, e: Endpoint<any, any, any, any, any>): this => this.add('patch', path, e);
  delete = (path: string, e: Endpoint<any, any, any, any, any>): this => this.add('delete', path, e);

  private matches(route: Route, pathname: string): boolean {
    return this.patterns.get(route)!.test(pathname);
  }

  /** Adds each feature's routes in turn: the first route matching a request answers it, so order counts. */
  include(...features: Routes[]): this {
    for (const routes of features) routes(this);
    return this;
  }

  /** The route a request names, or undefined for a path no route has. */
  routeOf(method: string, pathname: string): Route | undefined {
    const lower = method.toLowerCase();
    return this.routes.find((r) => r.method === lower && this.matches(r, pathname));
  }

  /** Whom the route a request names is for, or undefined for a path no route has. */
  accessOf(method: string, pathname: string): Access | undefined {
    return this.routeOf(method, pathname)?.endpoint.access;
  }

  /** Answers a matched route, or undefined when no route matches (so static assets can). */
  async handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response | undefined> {
    const response: Response | undefined = await this.router.fetch(request, env, ctx);
    if (response) return response;
    const { pathname } = new URL(request.url);
    const sameURL = this.routes.filter((r) => this.matches(r, pathname));
    if (sameURL.length > 0) {
      const allowed = [...new Set(sameURL.map((r) => r.method.toUpperCase()))].join(', ');
      return errorResponse(
        new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allowed}.`, { allowed }),
      );
    }
    return undefined;
  }
}

