import { openApiDocument } from "@/lib/api/catalog";
import { env } from "@/lib/config/env";

// Public: the reference of the public API (no secrets in it).
export function GET() {
  return Response.json(openApiDocument(env().APP_URL), { headers: { "cache-control": "public, max-age=300" } });
}
