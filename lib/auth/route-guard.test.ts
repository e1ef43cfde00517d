import { describe, expect, it } from "vitest";
import { isProtectedPath, proxyDecision, safeNextPath } from "./route-guard";

describe("proxyDecision", () => {
  it.each([
    "/dashboard",
    "/wallet",
    "/channels/abc",
    "/inbox",
    "/contacts",
    "/automations/new",
    "/settings/api-keys",
    "/services",
    "/operator/orgs",
    "/onboarding",
  ])("sends a signed-out visitor of %s to /login with the way back", (pathname) => {
    expect(proxyDecision({ pathname, search: "", signedIn: false })).toEqual({
      action: "redirect",
      location: `/login?next=${encodeURIComponent(pathname)}`,
    });
    expect(proxyDecision({ pathname, search: "", signedIn: true })).toEqual({ action: "next" });
  });

  it("keeps the query string in ?next", () => {
    expect(proxyDecision({ pathname: "/inbox", search: "?c=42&x=a b", signedIn: false })).toEqual({
      action: "redirect",
      location: "/login?next=%2Finbox%3Fc%3D42%26x%3Da%20b",
    });
  });

  it.each(["/", "/login", "/signup", "/api/v1/messages", "/api/auth/login", "/api/webhooks/meta", "/_next/static/x.js", "/favicon.ico", "/dashboards", "/wallets-info", "/sandbox/checkout"])(
    "leaves %s alone when signed out",
    (pathname) => {
      expect(isProtectedPath(pathname)).toBe(false);
      expect(proxyDecision({ pathname, search: "", signedIn: false })).toEqual({ action: "next" });
    },
  );
});

describe("safeNextPath", () => {
  it.each([
    ["/inbox?c=1", "/inbox?c=1"],
    ["/wallet#top", "/wallet#top"],
    [null, "/dashboard"],
    ["", "/dashboard"],
    ["https://evil.example/", "/dashboard"],
    ["//evil.example/path", "/dashboard"],
    ["/\\evil.example", "/dashboard"],
    ["javascript:alert(1)", "/dashboard"],
    ["/login?next=/wallet", "/dashboard"],
    ["/signup", "/dashboard"],
    ["/\tevil", "/dashboard"],
  ])("%s → %s", (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});
