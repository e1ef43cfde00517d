import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Run in a child process: what is tested is how that process ends.
function exitCodeAfterLoading(load: boolean): number | null {
  const script = `
    process.exitCode = 3; // as Vitest sets it when a test failed, before letting the loop drain
    ${load ? `const { loadEmbeddedPostgres } = await import(${JSON.stringify(path.resolve("lib/db/embedded.ts"))}); await loadEmbeddedPostgres();` : ""}
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return r.status;
}

describe("loadEmbeddedPostgres", () => {
  it("keeps the exit code a process set before it drained (the package's exit hook used to force 0)", () => {
    expect(exitCodeAfterLoading(false)).toBe(3);
    expect(exitCodeAfterLoading(true)).toBe(3);
  });
});
