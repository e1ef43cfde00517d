import { describe, expect, it } from "vitest";
import { consentKeyword } from "./consent";

describe("consentKeyword", () => {
  it("recognises the opt-out and opt-in keywords, trimmed and in any case", () => {
    for (const t of ["STOP", "stop", " Stop\n", "UNSUBSCRIBE", "Stop All", "stop   all", "OPT OUT", "opt out"]) expect(consentKeyword(t), t).toBe("out");
    for (const t of ["START", "start ", "Subscribe"]) expect(consentKeyword(t), t).toBe("in");
  });
  it("ignores anything else, including sentences with a keyword in them", () => {
    for (const t of ["", "stop it", "please stop", "stopp", "cancel", "start over", "optout?"]) expect(consentKeyword(t), t).toBeNull();
  });
});
