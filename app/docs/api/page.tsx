import type { Metadata } from "next";
import Link from "next/link";
import { openApiDocument } from "@/lib/api/catalog";
import { env } from "@/lib/config/env";

export const metadata: Metadata = { title: "API reference" };
// Rendered per request: the base URL comes from the server's configuration, not the build machine.
export const dynamic = "force-dynamic";

type Param = { name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> };
type Op = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: Param[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};

const METHOD_TONE: Record<string, string> = {
  get: "bg-accent/15 text-accent",
  post: "bg-warning/15 text-warning",
  patch: "bg-focus/15 text-focus",
  delete: "bg-danger/15 text-danger",
};

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(" | ");
  return String(schema.type ?? (schema.anyOf ? "one of several" : "value"));
}

// The readable reference, rendered from the same OpenAPI document served at /api/v1/openapi.json.
export default function ApiReferencePage() {
  const doc = openApiDocument(env().APP_URL);
  const ops = Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.entries(methods as Record<string, Op>).map(([method, op]) => ({ path: p, method, op })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags[0]))];
  return (
    <main className="mx-auto max-w-5xl space-y-8 p-4 md:p-8">
      <header className="space-y-2">
        <h1 className="text-3xl font-semibold">{doc.info.title}</h1>
        <p className="text-muted">{doc.info.description}</p>
        <p className="text-sm">
          Base URL <code className="rounded bg-surface-2 px-1 font-mono">{doc.servers[0].url}</code> · Machine-readable:{" "}
          <Link className="text-accent underline" href="/api/v1/openapi.json">
            /api/v1/openapi.json
          </Link>{" "}
          (OpenAPI 3.1)
        </p>
        <pre className="overflow-x-auto rounded-lg border border-border bg-surface p-4 text-sm">{`curl -X POST ${doc.servers[0].url}/api/v1/messages \\
  -H "Authorization: Bearer wak_…" -H "Content-Type: application/json" \\
  -H "Idempotency-Key: order-1234-shipped" \\
  -d '{"to": "+919876543210", "type": "text", "text": {"body": "Your order has shipped"}}'`}</pre>
      </header>
      <nav aria-label="Sections" className="flex flex-wrap gap-2 text-sm">
        {tags.map((t) => (
          <a key={t} href={`#${t}`} className="rounded-full border border-border px-3 py-1 hover:bg-surface-2">
            {t}
          </a>
        ))}
      </nav>
      {tags.map((tag) => (
        <section key={tag} id={tag} className="space-y-4">
          <h2 className="text-2xl font-semibold">{tag}</h2>
          {ops
            .filter((o) => o.op.tags[0] === tag)
            .map(({ path: p, method, op }) => (
              <article key={op.operationId} id={op.operationId} className="space-y-3 rounded-xl border border-border bg-surface p-5">
                <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                  <span className={`rounded px-2 py-0.5 font-semibold uppercase ${METHOD_TONE[method] ?? ""}`}>{method}</span>
                  <span>{p}</span>
                </h3>
                <p className="font-medium">{op.summary}</p>
                {op.description ? <p className="text-sm text-muted">{op.description}</p> : null}
                {op.parameters.length ? (
                  <table className="w-full text-left text-sm">
                    <caption className="sr-only">Parameters of {op.operationId}</caption>
                    <thead className="text-muted">
                      <tr>
                        <th className="py-1 pr-3 font-medium">Parameter</th>
                        <th className="py-1 pr-3 font-medium">In</th>
                        <th className="py-1 pr-3 font-medium">Type</th>
                        <th className="py-1 font-medium">About</th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-border">
                      {op.parameters.map((prm) => (
                        <tr key={`${prm.in}-${prm.name}`}>
                          <td className="py-1 pr-3 font-mono">
                            {prm.name}
                            {prm.required ? <span className="text-danger"> *</span> : null}
                          </td>
                          <td className="py-1 pr-3">{prm.in}</td>
                          <td className="py-1 pr-3 font-mono text-xs">{typeOf(prm.schema)}</td>
                          <td className="py-1 text-muted">{prm.description ?? ""}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
                {op.requestBody ? (
                  <details>
                    <summary className="cursor-pointer text-sm font-medium">Request body (JSON Schema)</summary>
                    <pre className="mt-2 max-h-96 overflow-auto rounded-lg bg-surface-2 p-3 text-xs">
                      {JSON.stringify(op.requestBody.content["application/json"].schema, null, 2)}
                    </pre>
                  </details>
                ) : null}
                <ul className="space-y-1 text-sm">
                  {Object.entries(op.responses).map(([status, r]) => (
                    <li key={status}>
                      <span className="font-mono font-semibold">{status}</span> <span className="text-muted">{r.description}</span>
                    </li>
                  ))}
                </ul>
              </article>
            ))}
        </section>
      ))}
    </main>
  );
}
