import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { signSession } from "@/lib/auth/session";
import { proxy } from "@/proxy";

// The proxy in built-in mode, called as Next calls it (NextRequest in, NextResponse out).
describe("proxy (built-in auth)", () => {
  const user = { id: "7d0c2a1e-3f55-4a53-9f63-0b0b2f3e8a11", email: "p@example.test" };

  it("redirects a signed-out page visit to /login?next=…", async () => {
    const res = await proxy(new NextRequest("http://app.test/settings/api-keys?tab=2"));
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://app.test/login?next=%2Fsettings%2Fapi-keys%3Ftab%3D2");
  });

  it("lets a valid session through, and refuses an expired or forged one", async () => {
    const valid = await signSession(user);
    expect((await proxy(new NextRequest("http://app.test/dashboard", { headers: { cookie: `wa_session=${valid}` } }))).status).toBe(200);
    const expired = await signSession(user, -5);
    expect((await proxy(new NextRequest("http://app.test/dashboard", { headers: { cookie: `wa_session=${expired}` } }))).status).toBe(307);
    const forged = `${valid.slice(0, -4)}AAAA`;
    expect((await proxy(new NextRequest("http://app.test/dashboard", { headers: { cookie: `wa_session=${forged}` } }))).status).toBe(307);
  });

  it("never redirects API routes or the sign-in pages", async () => {
    for (const path of ["/api/v1/messages", "/api/auth/session", "/login", "/signup"]) {
      const res = await proxy(new NextRequest(`http://app.test${path}`));
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBeNull();
    }
  });
});
