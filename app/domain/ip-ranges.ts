// Classifies IP addresses for the outbound-request guard (deliverable URL
// checks): only a globally routable unicast address may be contacted. Pure and
// dependency-free so every range can be unit-tested without a network.
//
// Fail closed: anything this parser does not understand is "invalid", which is
// never public. DNS answers and WHATWG-normalised URL hosts are always in the
// canonical forms accepted here, so strictness costs nothing legitimate.

export type IpClass =
  | "public"
  | "private" // RFC 1918, deprecated IPv6 site-local
  | "loopback"
  | "link_local" // includes 169.254.169.254, the cloud metadata endpoint
  | "unique_local" // fc00::/7
  | "cgnat" // 100.64.0.0/10
  | "multicast"
  | "unspecified"
  | "broadcast"
  | "reserved" // documentation, benchmarking, future use, tunnels, non-global IPv6
  | "invalid";

export interface IpClassification {
  family: 4 | 6 | null;
  class: IpClass;
  /** For IPv4 embedded in IPv6 (mapped, NAT64, 6to4): the IPv4 address that decided. */
  embedded?: string;
}

interface Range {
  prefix: number[];
  bits: number;
  class: IpClass;
}

function range(cidr: string, cls: IpClass): Range {
  const [address, bits] = cidr.split("/") as [string, string];
  const prefix = parseIPv4(address) ?? parseIPv6(address);
  if (!prefix) throw new Error(`bad range ${cidr}`);
  return { prefix, bits: Number(bits), class: cls };
}

// Most specific first where ranges nest (the first match wins).
const IPV4_RANGES: Range[] = [
  range("255.255.255.255/32", "broadcast"),
  range("0.0.0.0/32", "unspecified"),
  range("0.0.0.0/8", "unspecified"), // "this network": Linux treats 0.x as local
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "cgnat"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link_local"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved"), // IETF protocol assignments
  range("192.0.2.0/24", "reserved"), // TEST-NET-1
  range("192.88.99.0/24", "reserved"), // deprecated 6to4 relay anycast
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved"), // benchmarking
  range("198.51.100.0/24", "reserved"), // TEST-NET-2
  range("203.0.113.0/24", "reserved"), // TEST-NET-3
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"), // future use
];

const IPV6_RANGES: Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("64:ff9b:1::/48", "reserved"), // local-use NAT64
  range("100::/64", "reserved"), // discard-only
  range("2001::/32", "reserved"), // Teredo: tunnels to arbitrary IPv4
  range("2001:db8::/32", "reserved"), // documentation
  range("2001:10::/28", "reserved"), // ORCHID
  range("2001:20::/28", "reserved"), // ORCHIDv2
  range("3fff::/20", "reserved"), // documentation (RFC 9637)
  range("5f00::/16", "reserved"), // SRv6 SIDs
  range("fc00::/7", "unique_local"),
  range("fe80::/10", "link_local"),
  range("fec0::/10", "private"), // deprecated site-local
  range("ff00::/8", "multicast"),
];

/** Strict dotted quad: four decimal octets, no leading zeros (no octal/hex tricks). */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

/** RFC 4291 text forms, including "::" and a trailing dotted quad; 16 bytes. */
export function parseIPv6(text: string): number[] | null {
  if (text.length === 0 || text.length > 45) return null;
  let head = text;
  const lastColon = head.lastIndexOf(":");
  if (lastColon < 0) return null;
  if (head.slice(lastColon + 1).includes(".")) {
    // A trailing dotted quad stands for the last two groups: rewrite it as hex.
    const v4 = parseIPv4(head.slice(lastColon + 1));
    if (!v4) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    head = `${head.slice(0, lastColon + 1)}${hex(v4[0]!, v4[1]!)}:${hex(v4[2]!, v4[3]!)}`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const groups = s.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!left || !right) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return null; // "::" stands for at least one group
    groups = [...left, ...Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== 8) return null;
    groups = left;
  }
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function matches(bytes: number[], r: Range): boolean {
  let bits = r.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (r.prefix[i]! & mask)) return false;
  }
  return true;
}

function classifyV4Bytes(bytes: number[]): IpClass {
  return IPV4_RANGES.find((r) => matches(bytes, r))?.class ?? "public";
}

function startsWith(bytes: number[], prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

const ZERO_80 = Array<number>(10).fill(0);

function classifyV6Bytes(bytes: number[]): IpClassification {
  const fromV4 = (v4: number[]): IpClassification => ({ family: 6, class: classifyV4Bytes(v4), embedded: v4.join(".") });
  // ::ffff:a.b.c.d (IPv4-mapped) reaches the IPv4 address itself.
  if (startsWith(bytes, [...ZERO_80, 0xff, 0xff])) return fromV4(bytes.slice(12));
  // ::ffff:0:a.b.c.d (IPv4-translated, SIIT) likewise.
  if (startsWith(bytes, [...ZERO_80.slice(0, 8), 0xff, 0xff, 0, 0])) return fromV4(bytes.slice(12));
  // 64:ff9b::/96 NAT64 well-known prefix: the gateway connects to the IPv4.
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, ...ZERO_80.slice(0, 8)])) return fromV4(bytes.slice(12));
  // 6to4: 2002:AABB:CCDD::/48 tunnels to AA.BB.CC.DD.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return fromV4(bytes.slice(2, 6));
  const hit = IPV6_RANGES.find((r) => matches(bytes, r));
  if (hit) return { family: 6, class: hit.class };
  // Deprecated IPv4-compatible ::a.b.c.d and everything else outside 2000::/3
  // (the only block allocated for global unicast) is not a place to connect.
  if ((bytes[0]! & 0xe0) !== 0x20) return { family: 6, class: "reserved" };
  return { family: 6, class: "public" };
}

/**
 * Classifies an address as written by DNS or a URL host: brackets ("[::1]")
 * and an IPv6 zone ("fe80::1%eth0") are accepted and stripped.
 */
export function classifyIp(address: string): IpClassification {
  let text = address.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, class: classifyV4Bytes(v4) };
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const v6 = text.includes(":") ? parseIPv6(text) : null;
  if (v6) return classifyV6Bytes(v6);
  return { family: null, class: "invalid" };
}

/** True only for globally routable unicast addresses. */
export function isPublicIp(address: string): boolean {
  return classifyIp(address).class === "public";
}

/** True when the text is an IP literal (either family), not a host name. */
export function isIpLiteral(host: string): boolean {
  return classifyIp(host).family !== null;
}
