import { describe, expect, it } from "vitest";
import { isTransientDbError, retryTransient } from "./retry";

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe("retryTransient", () => {
  it("runs a statement again after a deadlock or serialization failure, and returns its result", async () => {
    const codes = ["40P01", "40001", "55P03"];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (calls < codes.length) throw pgError(codes[calls++]);
        calls++;
        return "stored";
      },
      { baseMs: 1 },
    );
    expect(result).toBe("stored");
    expect(calls).toBe(4);
  });

  function alwaysFailing(code: string) {
    const f = {
      calls: 0,
      run: async (): Promise<never> => {
        f.calls++;
        throw pgError(code);
      },
    };
    return f;
  }

  it("throws any other error at once", async () => {
    const f = alwaysFailing("23505");
    const err = await retryTransient(f.run, { baseMs: 1 }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("23505");
    expect(f.calls).toBe(1);
  });

  it("gives up after the attempts, with the last error", async () => {
    const f = alwaysFailing("40P01");
    const err = await retryTransient(f.run, { attempts: 3, baseMs: 1 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("pg 40P01");
    expect(f.calls).toBe(3);
  });

  it("tells transient errors from others", () => {
    expect(isTransientDbError(pgError("40P01"))).toBe(true);
    expect(isTransientDbError(pgError("23505"))).toBe(false);
    expect(isTransientDbError(new Error("no code"))).toBe(false);
    expect(isTransientDbError(null)).toBe(false);
  });
});
