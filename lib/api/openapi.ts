import { z } from "zod";

// Builds the OpenAPI 3.1 document of the public API from the same zod schemas the routes parse
// with, so the reference cannot drift from what the server accepts.

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface Operation {
  method: Method;
  /** OpenAPI path, e.g. /api/v1/messages/{id} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; headers?: Record<string, string> }>;
}

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, which OpenAPI 3.1 uses as is) of what a request may send. */
export function toSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  void _ignored;
  return rest;
}

function parameters(where: "path" | "query" | "header", obj: z.ZodObject | undefined) {
  if (!obj) return [];
  const json = toSchema(obj) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema,
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
  }));
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("Machine-readable error code, e.g. invalid_request, insufficient_balance"),
      message: z.string().describe("What went wrong and what to do, for a person"),
    }),
  })
  .describe("Every error answers in this shape");

/** What every API-key answer carries (lib/apikeys/rate-limit.ts), and a 429 in particular. */
const RATE_LIMIT_HEADERS = {
  "X-RateLimit-Limit": "Requests this API key may make at once (the token bucket's size; it refills at the key's rate a second)",
  "X-RateLimit-Remaining": "Requests left in the bucket after this one",
  "X-RateLimit-Reset": "Seconds until the bucket is full again",
};
const RATE_LIMIT_429_HEADERS = { "Retry-After": "Seconds to wait before the next request", ...RATE_LIMIT_HEADERS };

function headerObjects(headers: Record<string, string>) {
  return Object.fromEntries(Object.entries(headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }]));
}

export function buildOpenApi(operations: Operation[], info: { title: string; version: string; description: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.headers ? { headers: headerObjects(r.headers) } : {}),
        ...(r.schema ? { content: { "application/json": { schema: toSchema(r.schema) } } } : {}),
      };
    }
    for (const [status, description, headers] of [
      ["400", "Invalid input: the message names the field", undefined],
      ["401", "Missing or invalid API key", undefined],
      ["429", "Rate limit exceeded (error code rate_limited): this API key sent more than its limit; retry after the Retry-After header's seconds", RATE_LIMIT_429_HEADERS],
    ] as const) {
      responses[status] ??= {
        description,
        ...(headers ? { headers: headerObjects(headers) } : {}),
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      parameters: [...parameters("path", op.params), ...parameters("query", op.query), ...parameters("header", op.headers)],
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: info.serverUrl }],
    security: [{ apiKey: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key from Settings → API keys: `Authorization: Bearer wak_…`" },
      },
      schemas: { Error: toSchema(errorSchema) },
    },
  };
}
