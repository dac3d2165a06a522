import webpush from "web-push";
import { describe, expect, it } from "vitest";
import { generateVapidKeys } from "./secrets.server";

// The VAPID pair generated into the secrets file is one web-push accepts and signs with.

describe("generated VAPID keys", () => {
  it("are a P-256 pair of the sizes web-push checks, and sign a push request", () => {
    for (let i = 0; i < 20; i++) {
      const keys = generateVapidKeys();
      expect(Buffer.from(keys.publicKey, "base64url")).toHaveLength(65);
      expect(Buffer.from(keys.privateKey, "base64url")).toHaveLength(32);
      expect(() => webpush.setVapidDetails("mailto:ops@example.test", keys.publicKey, keys.privateKey)).not.toThrow();
    }
    const keys = generateVapidKeys();
    const subscriber = webpush.generateVAPIDKeys();
    const details = webpush.generateRequestDetails(
      { endpoint: "https://push.example.test/send/1", keys: { p256dh: subscriber.publicKey, auth: Buffer.alloc(16, 7).toString("base64url") } },
      "hello",
      { vapidDetails: { subject: "mailto:ops@example.test", publicKey: keys.publicKey, privateKey: keys.privateKey }, contentEncoding: "aes128gcm" },
    );
    expect(String(details.headers.Authorization)).toContain(`k=${keys.publicKey}`);
  });
});
