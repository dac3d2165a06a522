import { describe, expect, it } from "vitest";
import { classifyIp, isIpLiteral, isPublicIp, parseIPv4, parseIPv6 } from "./ip-ranges";

function cls(address: string) {
  return classifyIp(address).class;
}

describe("parseIPv4", () => {
  it("parses dotted quads", () => {
    expect(parseIPv4("0.0.0.0")).toEqual([0, 0, 0, 0]);
    expect(parseIPv4("192.168.1.254")).toEqual([192, 168, 1, 254]);
    expect(parseIPv4("255.255.255.255")).toEqual([255, 255, 255, 255]);
  });

  it("rejects every form inet_aton would reinterpret", () => {
    for (const bad of ["127.1", "0x7f.0.0.1", "017.0.0.1", "2130706433", "1.2.3.256", "1.2.3.4.5", "1.2.3.", "", " 1.2.3.4", "1.2.3.-4", "1.2.3.4 "]) {
      expect(parseIPv4(bad), bad).toBeNull();
    }
  });
});

describe("parseIPv6", () => {
  const bytes = (...groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);

  it("expands :: anywhere", () => {
    expect(parseIPv6("::")).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0));
    expect(parseIPv6("::1")).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 1));
    expect(parseIPv6("fe80::")).toEqual(bytes(0xfe80, 0, 0, 0, 0, 0, 0, 0));
    expect(parseIPv6("2001:db8::8:800:200c:417a")).toEqual(bytes(0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a));
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 8));
  });

  it("accepts a trailing dotted quad", () => {
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual(bytes(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1));
    expect(parseIPv6("::1.2.3.4")).toEqual(bytes(0, 0, 0, 0, 0, 0, 0x102, 0x304));
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toEqual(bytes(1, 2, 3, 4, 5, 6, 0x102, 0x304));
  });

  it("rejects malformed text", () => {
    for (const bad of [
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::1",
      ":1::",
      "1::2:3:4:5:6:7:8",
      "::1.2.3",
      "::ffff:1.2.3.256",
      "1.2.3.4",
      "",
      "1:2:3:4:5:6:7:1.2.3.4",
    ]) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });
});

describe("classifyIp: IPv4", () => {
  it.each([
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link_local"],
    ["169.254.0.1", "link_local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.10", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.99", "reserved"],
    ["198.18.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
  ])("%s is %s", (address, expected) => {
    expect(cls(address)).toBe(expected);
    expect(isPublicIp(address)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "172.15.255.255",
    "172.32.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.255.255",
    "11.0.0.1",
    "223.255.255.255",
    "192.169.0.1",
  ])("%s is public (range edges included)", (address) => {
    expect(classifyIp(address)).toEqual({ family: 4, class: "public" });
    expect(isPublicIp(address)).toBe(true);
  });
});

describe("classifyIp: IPv6", () => {
  it.each([
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["fe80::1", "link_local"],
    ["fe80::1%eth0", "link_local"],
    ["febf:ffff::1", "link_local"],
    ["fc00::1", "unique_local"],
    ["fd00::1", "unique_local"],
    ["fdff:ffff::1", "unique_local"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["ff0e::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["2001::1", "reserved"],
    ["100::1", "reserved"],
    ["64:ff9b:1::1", "reserved"],
    ["::1.2.3.4", "reserved"],
    ["::8.8.8.8", "reserved"],
    ["1234::1", "reserved"],
    ["4000::1", "reserved"],
  ])("%s is %s", (address, expected) => {
    expect(cls(address)).toBe(expected);
    expect(isPublicIp(address)).toBe(false);
  });

  it.each(["2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:830::200e", "2c0f:fb50:4003::1", "3ffe::1"])("%s is public", (address) => {
    expect(classifyIp(address)).toEqual({ family: 6, class: "public" });
    expect(isPublicIp(address)).toBe(true);
  });

  it("judges IPv4-mapped addresses by the IPv4 inside, in both spellings", () => {
    expect(classifyIp("::ffff:127.0.0.1")).toEqual({ family: 6, class: "loopback", embedded: "127.0.0.1" });
    expect(classifyIp("::ffff:7f00:1")).toEqual({ family: 6, class: "loopback", embedded: "127.0.0.1" });
    expect(cls("::ffff:10.1.2.3")).toBe("private");
    expect(cls("::ffff:a9fe:a9fe")).toBe("link_local");
    expect(cls("[::ffff:192.168.0.1]")).toBe("private");
    expect(cls("0:0:0:0:0:ffff:100.64.0.1")).toBe("cgnat");
    expect(classifyIp("::ffff:8.8.8.8")).toEqual({ family: 6, class: "public", embedded: "8.8.8.8" });
  });

  it("judges SIIT, NAT64 and 6to4 addresses by the IPv4 they reach", () => {
    expect(cls("::ffff:0:127.0.0.1")).toBe("loopback");
    expect(cls("64:ff9b::127.0.0.1")).toBe("loopback");
    expect(cls("64:ff9b::a00:1")).toBe("private");
    expect(cls("64:ff9b::8.8.8.8")).toBe("public");
    expect(cls("2002:7f00:1::1")).toBe("loopback");
    expect(cls("2002:a9fe:a9fe::")).toBe("link_local");
    expect(cls("2002:808:808::1")).toBe("public");
  });

  it("is case-insensitive", () => {
    expect(cls("FE80::ABCD")).toBe("link_local");
    expect(cls("FD00::1")).toBe("unique_local");
    expect(cls("::FFFF:7F00:1")).toBe("loopback");
  });
});

describe("classifyIp: not an address", () => {
  it.each(["localhost", "example.com", "", "127.1", "0x7f000001", "::g", "1.2.3.4.5", "[::1", "999.1.1.1", "2130706433"])(
    "%j is invalid and never public",
    (text) => {
      expect(classifyIp(text)).toEqual({ family: null, class: "invalid" });
      expect(isPublicIp(text)).toBe(false);
      expect(isIpLiteral(text)).toBe(false);
    },
  );

  it("recognises literals", () => {
    expect(isIpLiteral("8.8.8.8")).toBe(true);
    expect(isIpLiteral("[2001:db8::1]")).toBe(true);
  });
});
