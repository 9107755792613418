/**
 * The API as a plain function of a request: routing, signing policy, validation, and the
 * domain operations. Lambda and the local server only translate to and from this shape.
 */
import { LIMITS } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import type { ApiRequest, ApiResponse } from './http.ts';
import { type ApiDependencies, problemResponse } from './request.ts';
import { route } from './router.ts';

export { type ApiRequest, type ApiResponse, ORIGIN_SECRET_HEADER } from './http.ts';
export { type ApiDependencies, problemResponse } from './request.ts';

export function createApi(deps: ApiDependencies): (request: ApiRequest) => Promise<ApiResponse> {
  const now = deps.now ?? (() => new Date());
  const bodyLimit = Math.min(deps.bodyLimitBytes ?? LIMITS.bodyBytes, LIMITS.bodyBytes);
  return async (request) => {
    try {
      if (request.body.length > bodyLimit) {
        throw new Problem(413, 'body-too-large', `the body is ${request.body.length} bytes; the limit is ${bodyLimit}`);
      }
      return await route(request, deps, now);
    } catch (error) {
      if (error instanceof Problem) return problemResponse(error, request.path);
      throw error;
    }
  };
}
