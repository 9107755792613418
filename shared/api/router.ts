/**
 * Routing from the one operation table: each operation's path template and method lead to its
 * handler, named by operationId, so the routes and the OpenAPI document cannot disagree.
 */
import { Problem } from '../domain/problem.ts';
import { postHistory } from './history-handlers.ts';
import type { ApiRequest, ApiResponse } from './http.ts';
import { getKey, listKeys, registerKey, revokeKey } from './key-handlers.ts';
import { openApiDocument } from './openapi-document.ts';
import { OPERATIONS, pathPattern } from './operations.ts';
import { getCommitment, getPlan, listCommitments, listPlans, postCommitments, putCommitment, putPlan } from './plan-handlers.ts';
import { type ApiDependencies, type Handler, JSON_TYPE } from './request.ts';
import { postUpdate } from './update-handlers.ts';

const HANDLERS: Record<string, Handler> = {
  postUpdate,
  getCommitment,
  defineCommitment: putCommitment,
  listCommitments,
  defineCommitments: postCommitments,
  importHistory: postHistory,
  getPlan,
  definePlan: putPlan,
  listPlans,
  registerKey,
  listKeys,
  getKey,
  revokeKey,
  getOpenApiDocument: async () => ({
    status: 200,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'public, max-age=300' },
    body: await openApiDocument(),
  }),
};

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

/** One route per path template; its `{name}` segments are the handler's positional params. */
function routesOf(): Route[] {
  const byPath = new Map<string, Route>();
  for (const operation of OPERATIONS) {
    const handler = HANDLERS[operation.operationId];
    if (!handler) throw new Error(`operation ${operation.operationId} has no handler`);
    let route = byPath.get(operation.path);
    if (!route) {
      route = { pattern: pathPattern(operation.path).pattern, methods: {} };
      byPath.set(operation.path, route);
    }
    route.methods[operation.method.toUpperCase()] = handler;
  }
  return [...byPath.values()];
}

const ROUTES = routesOf();

export async function route(request: ApiRequest, deps: ApiDependencies, now: () => Date): Promise<ApiResponse> {
  for (const { pattern, methods } of ROUTES) {
    const match = pattern.exec(request.path);
    if (!match) continue;
    const handler = methods[request.method.toUpperCase()];
    if (!handler) {
      throw new Problem(405, 'method-not-allowed', `${request.method} is not allowed on ${request.path}`, {
        headers: { allow: Object.keys(methods).join(', ') },
      });
    }
    let params: string[];
    try {
      params = match.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new Problem(404, 'not-found', `no API resource at ${request.path}: it has a malformed percent-encoding`);
    }
    return handler({ request, params, deps, now: now() });
  }
  throw new Problem(404, 'not-found', `no API resource at ${request.path}`);
}
