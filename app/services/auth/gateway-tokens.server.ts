import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

// Gateway tokens at rest (decision 052): AES-256-GCM with a key derived
// (HKDF-SHA256) from SESSION_SECRET, which lives in the secrets file or the
// environment, never in the database. A dump of the database alone reveals
// no gateway token; every instance of one installation shares SESSION_SECRET
// already (its sessions must work on each), so each can decrypt. Rotating
// SESSION_SECRET means entering the gateway tokens again.
//
// Stored form: "v1." + base64url(12-byte IV | 16-byte tag | ciphertext).

const VERSION = "v1";
const INFO = "mission-control gateway token v1";

export interface GatewayTokenBox {
  seal(token: string): string;
  /** Throws when the ciphertext was made with another key or was changed. */
  open(sealed: string): string;
}

export function gatewayTokenBox(sessionSecret: string): GatewayTokenBox {
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(sessionSecret, "utf8"), Buffer.alloc(0), INFO, 32));
  return {
    seal(token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    },
    open(sealed) {
      const [version, data] = sealed.split(".");
      if (version !== VERSION || !data) throw new Error("not a sealed gateway token");
      const raw = Buffer.from(data, "base64url");
      if (raw.length < 29) throw new Error("a sealed gateway token too short");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}
