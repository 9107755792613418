/**
 * Checks requests and responses against the OpenAPI document with a real JSON Schema 2020-12
 * validator (Ajv), the way a client generated from the document would see them: documented
 * status, media type, headers and body schema.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { matchOperation } from '#shared/api/operations';

type Json = Record<string, any>;

export interface HttpMessage {
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: string;
}

// ajv-formats is CommonJS with its function as the default export.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

const SCHEMAS_ID = 'urn:mandat-obert:openapi-schemas';

export class ContractValidator {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // Component schemas refer to each other as #/components/schemas/X; as one schema resource they live under $defs.
    const defs = JSON.parse(JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'));
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: defs });
  }

  /** Validates a value against a schema object from the document (a $ref to a component, or inline). */
  validateSchema(schema: Json, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      const rewritten = JSON.parse(key.replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`));
      validate = this.ajv.compile(rewritten);
      this.validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }

  private resolve(object: Json): Json {
    if (typeof object?.$ref !== 'string') return object;
    const path = (object.$ref as string).replace(/^#\//, '').split('/');
    return this.resolve(path.reduce<Json>((node, segment) => node[segment.replace(/~1/g, '/').replace(/~0/g, '~')], this.document));
  }

  operation(method: string, path: string): { template: string; operation: Json } | undefined {
    const match = matchOperation(method, path.split('?')[0]!);
    if (!match) return undefined;
    const template = match.route.slice(match.route.indexOf(' ') + 1);
    return { template, operation: this.document.paths[template][method.toLowerCase()] };
  }

  /** Problems with a request as the document describes the operation (empty when it conforms). */
  validateRequest(method: string, path: string, request: HttpMessage): string[] {
    const found = this.operation(method, path);
    if (!found) return [`${method} ${path} is not a documented operation`];
    const errors: string[] = [];
    const match = matchOperation(method, path.split('?')[0]!)!;
    for (const raw of found.operation.parameters ?? []) {
      const parameter = this.resolve(raw);
      const value =
        parameter.in === 'path' ? decodeURIComponent(match.params[parameter.name] ?? '') : request.headers[parameter.name.toLowerCase()];
      if (value === undefined || value === '') {
        if (parameter.required) errors.push(`missing required ${parameter.in} parameter ${parameter.name}`);
        continue;
      }
      errors.push(...this.validateSchema(parameter.schema, value).map((e) => `${parameter.in} ${parameter.name}: ${e}`));
    }
    const requestBody = found.operation.requestBody ? this.resolve(found.operation.requestBody) : undefined;
    if (!requestBody) {
      if (request.body.length > 0) errors.push('the operation takes no body');
      return errors;
    }
    if (request.body.length === 0) {
      if (requestBody.required) errors.push('the request body is required');
      return errors;
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
    const content = requestBody.content[mediaType];
    if (!content) return [...errors, `request media type "${mediaType}" is not documented`];
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return [...errors, 'the request body is not JSON'];
    }
    return [...errors, ...this.validateSchema(content.schema, body).map((e) => `body${e}`)];
  }

  /**
   * Problems with a response: its status must be documented for the operation (or be a
   * document-wide one: 404 for unknown paths, 405), and headers, media type and body must match.
   */
  validateResponse(method: string, path: string, status: number, response: HttpMessage): string[] {
    const found = this.operation(method, path);
    let documented: Json | undefined;
    if (found) documented = found.operation.responses[String(status)];
    else if (status === 404) documented = { $ref: '#/components/responses/NotFound' };
    else if (status === 405) documented = { $ref: '#/components/responses/MethodNotAllowed' };
    if (!documented) return [`status ${status} is not documented for ${method} ${found?.template ?? path}`];
    const spec = this.resolve(documented);
    const errors: string[] = [];
    for (const [name, raw] of Object.entries<Json>(spec.headers ?? {})) {
      const header = this.resolve(raw);
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) errors.push(`missing response header ${name}`);
      } else errors.push(...this.validateSchema(header.schema, value).map((e) => `header ${name}: ${e}`));
    }
    const contentType = (response.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!spec.content) {
      if (response.body.length > 0) errors.push('the response should have no body');
      return errors;
    }
    const content = spec.content[contentType];
    if (!content) return [...errors, `response media type "${contentType}" is not documented (${Object.keys(spec.content).join(', ')})`];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [...errors, 'the response body is not JSON'];
    }
    return [...errors, ...this.validateSchema(content.schema, body).map((e) => `body${e}`)];
  }
}
