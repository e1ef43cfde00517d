import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument, operations } from "../lib/api/catalog";
import { GET } from "../app/api/v1/openapi.json/route";

// Every public route (app/api/v1/**/route.ts) and each method it exports, as OpenAPI paths.
function publicRoutes(): string[] {
  const root = path.resolve("app/api/v1");
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === "route.ts") {
        const src = readFileSync(p, "utf8");
        const apiPath =
          "/api/v1" +
          path
            .relative(root, dir)
            .split(path.sep)
            .filter(Boolean)
            .map((seg) => "/" + seg.replace(/^\[(.+)\]$/, "{$1}"))
            .join("");
        for (const m of src.matchAll(/export (?:async function|const|function) (GET|POST|PUT|PATCH|DELETE)\b/g)) {
          found.push(`${m[1].toLowerCase()} ${apiPath}`);
        }
      }
    }
  };
  walk(root);
  return found.sort();
}

describe("OpenAPI document of the public API", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = openApiDocument("http://localhost:3000");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("documents every method of every /api/v1 route, and nothing that does not exist", () => {
    const documented = operations.map((o) => `${o.method} ${o.path}`).sort();
    const routes = publicRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(documented).toEqual(routes);
  });

  it("describes the send body from the same schema the route parses (types and the text limit)", () => {
    const doc = openApiDocument("http://x") as unknown as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>> };
    const body = JSON.stringify(doc.paths["/api/v1/messages"].post.requestBody.content["application/json"].schema);
    for (const type of ["text", "template", "image", "document", "audio", "video", "interactive"]) expect(body).toContain(`"${type}"`);
    expect(body).toContain("4096");
  });

  it("is served at /api/v1/openapi.json", async () => {
    const res = GET();
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(Object.keys(doc.paths)).toContain("/api/v1/messages");
  });
});
