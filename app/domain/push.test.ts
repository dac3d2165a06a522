import { describe, expect, it } from "vitest";
import { pushSubscriptionSchema } from "./forms/push";
import { approvalPath, classifyPushStatus, deviceLabel, notificationTarget, pushEndpointProblem, readPushPayload } from "./push";

const ORIGIN = "https://mc.example.test";
const P256DH = `B${"A".repeat(86)}`;
const AUTH = "A".repeat(22);

describe("where a tapped notification leads", () => {
  it("opens a path of ours on our origin, an approval at its own page", () => {
    expect(notificationTarget(approvalPath("1b2c"), ORIGIN)).toBe(`${ORIGIN}/approvals/1b2c`);
    expect(notificationTarget(`${ORIGIN}/w/ops/tasks/1?x=1`, ORIGIN)).toBe(`${ORIGIN}/w/ops/tasks/1?x=1`);
  });

  it("opens the approvals inbox for anything else: nothing, another site, another scheme", () => {
    for (const url of [undefined, "", 42, "https://evil.test/approvals", "//evil.test/x", "/\\evil.test", "javascript:alert(1)"]) {
      expect(notificationTarget(url, ORIGIN)).toBe(`${ORIGIN}/approvals`);
    }
  });
});

describe("reading a push message", () => {
  it("takes title, body, url and tag from the JSON", () => {
    expect(readPushPayload(JSON.stringify({ title: "Approval waiting", body: "deploy on web-1", url: "/approvals/a", tag: "approval-a" }))).toEqual({
      title: "Approval waiting",
      body: "deploy on web-1",
      url: "/approvals/a",
      tag: "approval-a",
    });
  });

  it("falls back to the product's name and the inbox; plain text becomes the body", () => {
    expect(readPushPayload(null)).toEqual({ title: "Mission Control", body: "", url: "/approvals" });
    expect(readPushPayload("Something happened")).toEqual({ title: "Mission Control", body: "Something happened", url: "/approvals" });
    expect(readPushPayload('{"title": 5}')).toEqual({ title: "Mission Control", body: "", url: "/approvals" });
  });
});

describe("which push endpoints are accepted", () => {
  const none = () => false;
  it("takes public https push services", () => {
    expect(pushEndpointProblem("https://fcm.googleapis.com/fcm/send/abc", none)).toBeNull();
    expect(pushEndpointProblem("https://web.push.apple.com/QGx", none)).toBeNull();
  });

  it("refuses plain http, credentials, private and loopback addresses, and local names", () => {
    expect(pushEndpointProblem("http://push.example.test/x", none)).toMatch(/https/);
    expect(pushEndpointProblem("ftp://push.example.test/x", none)).toMatch(/https/);
    expect(pushEndpointProblem("https://user:pw@push.example.test/x", none)).toMatch(/user name/);
    for (const url of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://[::1]/x",
      "https://169.254.169.254/x",
      "https://localhost/x",
      "https://intranet/x",
    ]) {
      expect(pushEndpointProblem(url, none), url).toMatch(/private/);
    }
  });

  it("takes an allowlisted host even on plain http or loopback", () => {
    expect(pushEndpointProblem("http://127.0.0.1:9999/push/1", (h) => h === "127.0.0.1")).toBeNull();
  });
});

describe("a push service's answer", () => {
  it("201 is sent; 404 and 410 are gone; 429 and 5xx are retried; other 4xx are not", () => {
    expect(classifyPushStatus(201, "")).toEqual({ ok: true });
    expect(classifyPushStatus(410, "")).toMatchObject({ ok: false, gone: true, retry: false, status: 410 });
    expect(classifyPushStatus(404, "")).toMatchObject({ ok: false, gone: true, retry: false });
    expect(classifyPushStatus(429, "")).toMatchObject({ ok: false, gone: false, retry: true });
    expect(classifyPushStatus(503, "busy")).toMatchObject({ ok: false, gone: false, retry: true, error: "The push service answered 503: busy" });
    expect(classifyPushStatus(403, "")).toMatchObject({ ok: false, gone: false, retry: false });
    expect(classifyPushStatus(413, "")).toMatchObject({ ok: false, gone: false, retry: false });
  });
});

describe("a browser's subscription", () => {
  const valid = { endpoint: "https://push.example.test/1", expirationTime: null, keys: { p256dh: P256DH, auth: AUTH } };
  it("takes PushSubscription.toJSON()'s shape", () => {
    expect(pushSubscriptionSchema.safeParse(valid).success).toBe(true);
  });

  it("refuses keys of the wrong size or alphabet, unknown fields and a missing endpoint", () => {
    const bad = [
      { ...valid, keys: { p256dh: P256DH.slice(1), auth: AUTH } },
      { ...valid, keys: { p256dh: `A${"A".repeat(86)}`, auth: AUTH } },
      { ...valid, keys: { p256dh: P256DH, auth: "A".repeat(23) } },
      { ...valid, keys: { p256dh: P256DH, auth: `${"A".repeat(21)}+` } },
      { ...valid, extra: 1 },
      { keys: valid.keys },
      { ...valid, endpoint: `https://push.example.test/${"x".repeat(2048)}` },
    ];
    for (const body of bad) expect(pushSubscriptionSchema.safeParse(body).success, JSON.stringify(body).slice(0, 80)).toBe(false);
  });
});

describe("a device's label", () => {
  it("names the browser and the system", () => {
    expect(deviceLabel("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")).toBe(
      "Chrome on Android",
    );
    expect(
      deviceLabel("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"),
    ).toBe("Safari on iPhone");
    expect(deviceLabel("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0")).toBe("Firefox on Windows");
    expect(deviceLabel(null)).toBe("A browser");
  });
});
