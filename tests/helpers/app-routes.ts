import { readdirSync } from "node:fs";
import path from "node:path";
import type { RouteModule } from "./serve-routes";

// The app's routes, read from the file system, so a route added later is covered by the fuzz,
// isolation and sandbox tests without anyone remembering to list it.

const ROOT = path.resolve(import.meta.dirname, "../..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

export interface AppRoute {
  /** URL pattern in Next's folder syntax, e.g. "/api/v1/messages/[id]". */
  pattern: string;
  /** File relative to the repository root. */
  file: string;
  /** Names of the dynamic segments, in order ("id", "contactId", ...). */
  segments: string[];
}

function walk(dir: string, leaf: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, leaf, out);
    else if (e.name === leaf) out.push(p);
  }
  return out;
}

function toRoute(abs: string, leaf: string): AppRoute {
  const file = path.relative(ROOT, abs).split(path.sep).join("/");
  const dir = path.posix.dirname(file).replace(/^app/, "");
  // Route groups "(app)" are not part of the URL.
  const pattern = dir.split("/").filter((s) => !/^\(.*\)$/.test(s)).join("/") || "/";
  const segments = [...pattern.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
  if (leaf === "route.ts" && !pattern.startsWith("/api/")) throw new Error(`unexpected route outside app/api: ${file}`);
  return { pattern, file, segments };
}

/** Every route handler file under app/ (all of them live under app/api). */
export function listApiRoutes(): AppRoute[] {
  return walk(path.join(ROOT, "app"), "route.ts").map((f) => toRoute(f, "route.ts")).sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** Every page under app/. */
export function listPages(): AppRoute[] {
  return walk(path.join(ROOT, "app"), "page.tsx").map((f) => toRoute(f, "page.tsx")).sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** Imports every route module: pattern → module, plus the methods each exports. */
export async function loadApiRoutes(): Promise<{ modules: Record<string, RouteModule>; methods: Record<string, Method[]>; routes: AppRoute[] }> {
  const routes = listApiRoutes();
  const modules: Record<string, RouteModule> = {};
  const methods: Record<string, Method[]> = {};
  for (const r of routes) {
    const mod = (await import(path.join(ROOT, r.file))) as RouteModule;
    modules[r.pattern] = mod;
    methods[r.pattern] = METHODS.filter((m) => typeof mod[m] === "function");
  }
  return { modules, methods, routes };
}

/** Fills a pattern's dynamic segments: fill(segmentName) gives each value. */
export function fillPattern(pattern: string, fill: (segment: string) => string): string {
  return pattern.replace(/\[([^\]]+)\]/g, (_, name: string) => encodeURIComponent(fill(name)));
}
