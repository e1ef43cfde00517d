import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

// Where we may POST a tenant's webhooks (SSRF safety). A tenant chooses the URL, so without these
// rules it could make our servers call internal services (cloud metadata at 169.254.169.254, the
// database, an admin port on localhost) and read the answer back from the delivery log.
//
// Production: https only, and the host must resolve to public addresses only (checked at delivery
//   time, on the addresses we then connect to, so a DNS answer cannot change in between).
// Sandbox (sandboxEnabled()): additionally http or https to loopback (localhost, 127.0.0.0/8, ::1),
//   so a developer can point an endpoint at a receiver on their machine. Other private ranges stay
//   refused even there.

export interface UrlPolicy {
  /** Allow loopback targets (http or https); true only when sandbox features are on. */
  allowLoopback: boolean;
}

export type AddressClass = "public" | "loopback" | "private";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

// Everything that is not an ordinary public unicast address (IANA special-purpose registries).
const special = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  special.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments (Teredo, ORCHID, ...)
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  special.addSubnet(net, prefix, "ipv6");
}

/** The IPv4 address embedded in NAT64 (64:ff9b::/96) or 6to4 (2002::/16) forms, if any. */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]);
  return null;
}

function expandIpv6(address: string): number[] | null {
  let a = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const p = dotted[1].split(".").map(Number);
    a = a.slice(0, -dotted[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = a.includes("::") ? 8 - h.length - t.length : 0;
  const all = [...h, ...Array(fill).fill("0"), ...t].map((g) => parseInt(g, 16));
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return "private"; // not an address at all: never "public"
  const type = family === 4 ? "ipv4" : "ipv6";
  if (loopback.check(address, type)) return "loopback";
  if (special.check(address, type)) return "private";
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return classifyAddress(v4) === "public" ? "public" : "private";
  }
  return "public";
}

function allowed(cls: AddressClass, policy: UrlPolicy): boolean {
  return cls === "public" || (cls === "loopback" && policy.allowLoopback);
}

const LOCAL_NAMES = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home\.arpa)$/i;

/**
 * Checks a URL without touching the network: the message says what to fix, or null when the URL
 * may be saved. The addresses it resolves to are checked again at every delivery.
 */
export function endpointUrlProblem(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL, like https://example.com/webhooks/whatsapp";
  }
  if (raw.length > 2048) return "The URL is too long (at most 2048 characters)";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "The URL must start with https://";
  if (url.username || url.password) return "Put no user name or password in the URL; check our signature instead";
  if (url.hash) return "Remove the #fragment from the URL";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(host) !== 0;
  const isLoopbackName = /^localhost$|\.localhost$/i.test(host);
  const cls: AddressClass | null = literal ? classifyAddress(host) : isLoopbackName ? "loopback" : null;
  if (cls === "loopback") {
    return policy.allowLoopback ? null : "This URL points at this server itself (localhost); use a public https URL";
  }
  if (url.protocol !== "https:") {
    return policy.allowLoopback
      ? "The URL must start with https:// (http is allowed only for localhost in sandbox mode)"
      : "The URL must start with https://";
  }
  if (cls === "private") return "This URL points at a private or reserved network address; use a public host";
  if (!literal && (LOCAL_NAMES.test(host) || !host.includes("."))) {
    return "Use a public host name (this one only resolves inside a private network)";
  }
  return null;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export class BlockedTargetError extends Error {}

/**
 * Resolves the URL's host and returns the address to connect to, or throws BlockedTargetError when
 * the URL or ANY of its addresses is not allowed (a name that answers with one public and one
 * private address is refused: we must not let the resolver pick).
 */
export async function resolveDeliveryTarget(
  raw: string,
  policy: UrlPolicy,
  resolve: Resolver = systemResolver,
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  const problem = endpointUrlProblem(raw, policy);
  if (problem) throw new BlockedTargetError(problem);
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolve(host);
  if (!addresses.length) throw new BlockedTargetError(`${host} did not resolve to any address`);
  for (const a of addresses) {
    const cls = classifyAddress(a.address);
    if (!allowed(cls, policy)) {
      throw new BlockedTargetError(`${host} resolves to ${cls === "loopback" ? "a loopback" : "a private or reserved"} address (${a.address}); refusing to deliver`);
    }
  }
  return { url, address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}
