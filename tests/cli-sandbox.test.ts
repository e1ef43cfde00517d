import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../lib/cli/run";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { makeOrg } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import * as webhookRoute from "../app/api/webhook/route";

// The two sandbox commands: connect a sandbox number, and deliver a customer's text to a running
// app through its real signed webhook (here the webhook route served over HTTP).

let app: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  app = await serveRoutes({ "/api/webhook": webhookRoute });
  process.env.APP_URL = app.url;
});
afterAll(async () => {
  delete process.env.APP_URL;
  await app.close();
  await closePools();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join(""), err: err.join("") };
}

describe("sandbox CLI commands", () => {
  it("connect-sandbox-channel prints the channel as JSON and simulate-inbound delivers through the signed webhook", async () => {
    const org = await makeOrg();
    const r = await cli("connect-sandbox-channel", "--org", org.orgId, "--display-phone", "+91 98111 22333", "--phone-number-id", "1055512345678", "--json");
    expect(r.code).toBe(0);
    const channel = JSON.parse(r.out);
    expect(channel).toMatchObject({ phone_number_id: "1055512345678", mode: "sandbox", status: "connected", is_default: true });
    expect(JSON.stringify(channel)).not.toMatch(/sbx_|access_token/);

    const s = await cli("simulate-inbound", "--phone-number-id", "1055512345678", "--from", "+91 99887 76655", "--text", "hello from the CLI", "--json");
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out).wamid).toMatch(/^wamid\./);
    const stored = await withService((db) =>
      db.query("select m.text, c.wa_id from public.messages m join public.contacts c on c.id = m.contact_id where m.org_id = $1 and m.direction = 'inbound'", [org.orgId]),
    );
    expect(stored.rows).toEqual([{ text: "hello from the CLI", wa_id: "919988776655" }]);
  });

  it("refuses bad arguments with a usage error and a phone_number_id another organization holds with 409-style failure", async () => {
    const org = await makeOrg();
    const bad = await cli("connect-sandbox-channel", "--org", "nope", "--display-phone", "+91 98111 22333");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--org/);
    const a = await cli("connect-sandbox-channel", "--org", org.orgId, "--display-phone", "+91 98111 22334", "--phone-number-id", "1055599999999");
    expect(a.code).toBe(0);
    const other = await makeOrg();
    const taken = await cli("connect-sandbox-channel", "--org", other.orgId, "--display-phone", "+91 98111 22335", "--phone-number-id", "1055599999999", "--json");
    expect(taken.code).toBe(1);
    expect(JSON.parse(taken.err).error.message).toMatch(/already/i);
    const noText = await cli("simulate-inbound", "--phone-number-id", "1055599999999", "--from", "919988776655");
    expect(noText.code).toBe(2);
  });
});
