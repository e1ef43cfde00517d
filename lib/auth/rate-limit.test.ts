import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closePools } from "../db/pool";
import { withService } from "../db/tx";
import { clientIp, consumeLoginAttempt, sweepLoginThrottle } from "./rate-limit";

afterAll(() => closePools());

describe("login throttle", () => {
  it("sweeps only windows that have expired", async () => {
    const old = `email:old-${randomUUID()}@example.test`;
    const fresh = `email:fresh-${randomUUID()}@example.test`;
    await withService((db) =>
      db.query(
        `insert into private.login_throttle (key, window_start, attempts) values ($1, now() - interval '20 minutes', 3), ($2, now(), 2)`,
        [old, fresh],
      ),
    );
    expect(await withService((db) => sweepLoginThrottle(db))).toBeGreaterThanOrEqual(1);
    const left = await withService(
      async (db) => (await db.query("select key from private.login_throttle where key = any($1)", [[old, fresh]])).rows,
    );
    expect(left).toEqual([{ key: fresh }]);
  });

  it("uses small limits exactly as given, and restarts an expired window at 1", async () => {
    const email = `limits-${randomUUID()}@example.test`;
    const limits = { windowSeconds: 60, perEmail: 2, perIp: 100 };
    const attempt = () => withService((db) => consumeLoginAttempt(db, { email, ip: null }, limits));
    expect(await attempt()).toEqual({ allowed: true });
    expect(await attempt()).toEqual({ allowed: true });
    const third = await attempt();
    expect(third.allowed).toBe(false);
    if (!third.allowed) expect(third.retryAfterSeconds).toBeLessThanOrEqual(60);
    await withService((db) =>
      db.query("update private.login_throttle set window_start = now() - interval '61 seconds' where key = $1", [`email:${email}`]),
    );
    expect(await attempt()).toEqual({ allowed: true });
  });

  it("is not readable by tenants", async () => {
    const err = await withService(async (db) => {
      await db.query("set local role authenticated");
      return db.query("select count(*) from private.login_throttle").then(() => null, (e: Error) => e.message);
    });
    expect(err).toMatch(/permission denied/);
  });
});

describe("clientIp", () => {
  it.each([
    [{ "x-forwarded-for": "203.0.113.9" }, "203.0.113.9"],
    [{ "x-forwarded-for": "1.1.1.1, 10.0.0.2,  198.51.100.4 " }, "198.51.100.4"],
    [{ "x-real-ip": "192.0.2.7" }, "192.0.2.7"],
    [{}, null],
  ])("%j → %s", (headers, expected) => {
    expect(clientIp(new Headers(headers as Record<string, string>))).toBe(expected);
  });
});
