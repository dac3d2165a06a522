import { createCookie } from "react-router";
import { describe, expect, it } from "vitest";
import { appCookie, signCookieValue, unsignCookieValue } from "./cookies.server";

// Signed cookies are checked with node:crypto but keep React Router's format:
// sessions signed before the change still read, and the other way round.

const SECRET = "s".repeat(48);
const reactRouter = createCookie("mc_compat", { secrets: [SECRET], httpOnly: true, sameSite: "lax", path: "/", maxAge: 3600 });
const ours = appCookie("mc_compat", { secret: SECRET, maxAge: 3600 });

/** The `name=value` pair of a Set-Cookie header, as a browser sends it back. */
const sentBack = (setCookie: string) => setCookie.split(";", 1)[0]!;

describe("signed cookies", () => {
  const values: unknown[] = ["a-session-token-of-forty-three-characters-00", '{"kind":"success","message":"Saved ✓ — «ok»"}', { n: 1, list: [true, null] }];

  it("reads what React Router signed, and React Router reads what it signs", async () => {
    for (const value of values) {
      expect(await ours.parse(sentBack(await reactRouter.serialize(value)))).toEqual(value);
      expect(await reactRouter.parse(sentBack(await ours.serialize(value)))).toEqual(value);
    }
  });

  it("refuses a value signed with another secret, an altered value or signature, and junk", async () => {
    const good = signCookieValue("token-value", SECRET);
    expect(unsignCookieValue(good, SECRET)).toBe("token-value");
    expect(unsignCookieValue(good, "t".repeat(48))).toBeNull();
    const [value, sig] = good.split(".") as [string, string];
    expect(unsignCookieValue(`${Buffer.from('"other"').toString("base64")}.${sig}`, SECRET)).toBeNull();
    expect(unsignCookieValue(`${value}.${sig.slice(0, -2)}AA`, SECRET)).toBeNull();
    for (const junk of ["", ".", "abc", "abc.", ".abc", "%%%.###"]) expect(unsignCookieValue(junk, SECRET)).toBeNull();
    expect(await ours.parse(`mc_compat=${encodeURIComponent(`${value}.${sig}x`)}`)).toBeNull();
  });

  it("parses only its own name from a header carrying several cookies", async () => {
    const header = `mc_theme=dark; ${sentBack(await ours.serialize("v1"))}; other=1`;
    expect(await ours.parse(header)).toBe("v1");
    expect(await ours.parse("mc_theme=dark")).toBeNull();
    expect(await ours.parse(null)).toBeNull();
  });

  it("sets the same attributes as before, and clears with an empty value", async () => {
    const set = await ours.serialize("v1");
    expect(set).toMatch(/^mc_compat=[^;]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(await ours.serialize("", { maxAge: 0 })).toBe("mc_compat=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    expect(ours.isSigned).toBe(true);
    expect(ours.expires!.getTime()).toBeGreaterThan(Date.now() + 3590_000);
  });
});
