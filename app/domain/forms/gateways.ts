import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";

// The admin page's gateway forms (decision 052). A gateway URL is ws:// or
// wss:// with a host, and no user or password in it (the token is the
// credential, and it is kept apart, encrypted).

/** Why a gateway URL is refused, or null when it is a ws:// or wss:// URL with a host. */
export function gatewayUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a URL such as ws://127.0.0.1:18789";
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return "Use a ws:// or wss:// URL";
  if (!url.hostname) return "The URL needs a host";
  if (url.username || url.password) return "Leave credentials out of the URL: the token goes in its own field";
  if (!/^wss?:\/\/[^\s/?#@]+([/?#]\S*)?$/.test(value)) return "Use a ws:// or wss:// URL";
  return null;
}

const name = z.string().trim().min(1, "A name is required").max(L.gateways.name, atMost(L.gateways.name));
const url = z
  .string()
  .trim()
  .min(1, "A URL is required")
  .max(L.gateways.url, atMost(L.gateways.url))
  .superRefine((value, ctx) => {
    const problem = gatewayUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const token = z.string().trim().max(INPUT_LIMITS.gatewayToken, atMost(INPUT_LIMITS.gatewayToken));

export const gatewayCreateSchema = z.object({ name, url, token: token.min(1, "The gateway token is required") }).strict();

/** An empty token keeps the stored one. */
export const gatewayUpdateSchema = z.object({ gateway_id: z.uuid({ error: "Unknown gateway" }), name, url, token: token.default("") }).strict();

export const gatewayIdSchema = z.object({ gateway_id: z.uuid({ error: "Unknown gateway" }) }).strict();

export type GatewayCreate = z.output<typeof gatewayCreateSchema>;
export type GatewayUpdate = z.output<typeof gatewayUpdateSchema>;
