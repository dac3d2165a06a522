// The secrets every HTTP test server runs with (see test-server.ts), so tests
// can call the API, sign webhooks and forge nothing else.
export const SECRETS = {
  MC_API_TOKEN: "api-token-".padEnd(40, "a"),
  WEBHOOK_SECRET: "webhook-secret-".padEnd(40, "w"),
  SESSION_SECRET: "session-secret-".padEnd(40, "s"),
};
