import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { useTestServer } from "#tests/support/test-server";

// CSRF on the built bundle: every cookie-authenticated non-GET needs the
// token of its own session whatever its content type looks like, comes from
// our own origin, and signed-out forms (set-up, login) keep working.

const PUBLIC_URL = "https://mc.example.test";

/** The same fields as a multipart body, with the Content-Type spelled as given (the boundary is kept). */
async function multipart(fields: Record<string, string>, spell: (mediaType: string) => string): Promise<{ type: string; body: ArrayBuffer }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const encoded = new Response(form);
  const type = encoded.headers.get("content-type")!;
  return { type: spell("multipart/form-data") + type.slice("multipart/form-data".length), body: await encoded.arrayBuffer() };
}

describe.each(["embedded", "postgres"] as const)("CSRF and origin checks (%s database)", (kind) => {
  const app = useTestServer({ database: kind, env: { ENABLE_FILE_REVEAL: "1", PUBLIC_URL } });
  let admin: FormClient;
  let slug: string;

  /** Whether a workspace exists, asked through its page. */
  const exists = async (candidate: string) => {
    const res = await admin.request(`/w/${candidate}`);
    await res.arrayBuffer();
    return res.status === 200;
  };
  const post = (client: FormClient, path: string, type: string, body: BodyInit, headers: Record<string, string> = {}) =>
    client.request(path, { method: "POST", headers: { "content-type": type, origin: app.url, ...headers }, body });
  const signIn = async () => {
    const client = new FormClient(app.url);
    await client.get("/login");
    expect((await client.post("/login", { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    await client.get("/");
    return client;
  };

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    await admin.get("/");
    slug = `csrf-${kind}`;
    expect((await admin.post("/?index", { name: "CSRF", icon: "", slug })).status).toBe(302);
  }, 120_000);

  it("refuses a signed-in post without its token whatever the case, parameters or spacing of the form content type", async () => {
    const spellings = [
      (t: string) => t.toUpperCase(),
      (t: string) => t.replace(/(^|[/-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase()),
      (t: string) => `${t} ; charset=UTF-8`,
      (t: string) => `${t.toUpperCase()};charset="utf-8";odd=x`,
    ];
    for (const spell of spellings) {
      const forged = `forged-${randomUUID().slice(0, 8)}`;
      const urlencoded = spell("application/x-www-form-urlencoded");
      const fields = { name: forged, icon: "", slug: forged };
      expect((await post(admin, "/?index", urlencoded, new URLSearchParams(fields))).status, urlencoded).toBe(403);
      const parts = await multipart(fields, spell);
      expect((await post(admin, "/?index", parts.type, parts.body)).status, parts.type).toBe(403);
      // The data request a browser with JavaScript sends, and another method.
      expect((await post(admin, "/_.data?index", urlencoded, new URLSearchParams(fields))).status, `.data ${urlencoded}`).toBe(403);
      const put = await admin.request("/?index", {
        method: "PUT",
        headers: { "content-type": urlencoded, origin: app.url },
        body: new URLSearchParams(fields),
      });
      // Refused before any token is read: a page takes no PUT at all (405 with Allow).
      expect(put.status, `PUT ${urlencoded}`).toBe(405);
      expect(put.headers.get("allow"), `PUT ${urlencoded}`).toContain("POST");
      expect(await exists(forged), forged).toBe(false);

      // The same spelling with the session's token is a form like any other.
      await admin.get("/");
      const real = `real-${randomUUID().slice(0, 8)}`;
      const accepted = await multipart({ csrf: admin.csrf(), name: real, icon: "", slug: real }, spell);
      expect((await post(admin, "/?index", accepted.type, accepted.body)).status, accepted.type).toBe(302);
      expect(await exists(real)).toBe(true);
    }
  });

  it("does not sign a user out, nor reveal a file, on a post without the token", async () => {
    const client = await signIn();
    const type = "APPLICATION/X-WWW-FORM-URLENCODED";
    expect((await post(client, "/logout", type, new URLSearchParams({}))).status).toBe(403);
    expect((await post(client, `/w/${slug}/tasks/${randomUUID()}/reveal`, type, new URLSearchParams({ path: "report.txt" }))).status).toBe(403);
    expect((await client.get("/")).status).toBe(200);
  });

  it("refuses a post from another origin, another port of this host included, even with a valid token", async () => {
    const client = await signIn();
    const other = new URL(app.url);
    other.port = String(Number(other.port) + 1);
    const form = () => new URLSearchParams({ csrf: client.csrf() });
    const type = "application/x-www-form-urlencoded";
    const foreign: Array<Record<string, string>> = [
      { origin: other.origin },
      { origin: "null" },
      { origin: "not a url" },
      // No Origin, but the browser says where the request came from.
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of foreign) {
      const send = (path: string, body: URLSearchParams) => client.request(path, { method: "POST", headers: { "content-type": type, ...headers }, body });
      expect((await send("/logout", form())).status, JSON.stringify(headers)).toBe(403);
      const reveal = await send(`/w/${slug}/tasks/${randomUUID()}/reveal`, new URLSearchParams({ csrf: client.csrf(), path: "x" }));
      expect(reveal.status, `reveal ${JSON.stringify(headers)}`).toBe(403);
    }
    expect((await client.get("/")).status).toBe(200);

    // Our own origins: the public URL (behind a proxy), or the address the request came to.
    const viaProxy = `proxied-${kind}`;
    const created = await post(client, "/?index", type, new URLSearchParams({ csrf: client.csrf(), name: viaProxy, icon: "", slug: viaProxy }), {
      origin: PUBLIC_URL,
    });
    expect(created.status).toBe(302);
    expect((await post(client, `/w/${slug}/tasks/${randomUUID()}/reveal`, type, new URLSearchParams({ csrf: client.csrf(), path: "x" }))).status).toBe(404);
    expect((await post(client, "/logout", type, form())).status).toBe(302);
    expect((await client.get("/")).status).toBe(302);
  });

  it("binds the token to the session: an anonymous pair, the login page's token or another session's token do not validate", async () => {
    const anonymous = new FormClient(app.url);
    await anonymous.get("/login");
    const anonymousToken = anonymous.csrf();
    const anonymousCookie = anonymous.cookies.get("mc_csrf")!;
    expect(anonymousCookie).toBeDefined();

    const client = new FormClient(app.url);
    await client.get("/login");
    const loginPageToken = client.csrf();
    expect((await client.post("/login", { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
    const other = await signIn();

    const forged = `bound-${kind}`;
    const attempt = (token: string) => client.post("/?index", { csrf: token, name: forged, icon: "", slug: forged }, { csrf: false });
    // A visitor's own token and cookie, planted in the signed-in browser (another site on this host can set cookies).
    client.cookies.set("mc_csrf", anonymousCookie);
    expect((await attempt(anonymousToken)).status).toBe(403);
    expect((await attempt(loginPageToken)).status).toBe(403);
    expect((await attempt(other.csrf())).status).toBe(403);
    expect(await exists(forged)).toBe(false);

    // The signed-in page's own token: works at once after sign-in, no reload trick needed.
    await client.get("/");
    expect(client.csrf()).not.toBe(loginPageToken);
    expect((await attempt(client.csrf())).status).toBe(302);
    expect(await exists(forged)).toBe(true);
  });

  it("keeps signed-out forms working with the double-submit pair, and only with it", async () => {
    const client = new FormClient(app.url);
    await client.get("/login");
    const fields = { email: TEST_ADMIN.email, password: TEST_ADMIN.password, redirectTo: "/" };
    expect((await client.post("/login", fields, { csrf: false })).status).toBe(403);
    const stranger = new FormClient(app.url);
    await stranger.get("/login");
    expect((await client.post("/login", { csrf: stranger.csrf(), ...fields }, { csrf: false })).status).toBe(403);
    const login = await post(client, "/login", "Application/X-WWW-Form-Urlencoded; charset=utf-8", new URLSearchParams({ csrf: client.csrf(), ...fields }));
    expect(login.status).toBe(302);
    expect((await client.get("/")).status).toBe(200);
  });
});
