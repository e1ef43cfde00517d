import { parseSetCookie } from "cookie";

/** A tiny browser-like cookie store for HTTP tests: keeps what Set-Cookie says, drops what it expires. */
export class CookieJar {
  private cookies = new Map<string, string>();

  /** Records the response's Set-Cookie headers; returns them parsed, for assertions. */
  store(res: Response) {
    const parsed = res.headers.getSetCookie().map((h) => ({ raw: h, ...parseSetCookie(h) }));
    for (const c of parsed) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (expired || c.value === "") this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value ?? "");
    }
    return parsed;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  }
}
