import { describe, expect, it } from "vitest";
import { gatewayCreateSchema, gatewayUpdateSchema, gatewayUrlProblem } from "./gateways";

describe("gateway forms", () => {
  it("take ws:// and wss:// URLs with a host, nothing else", () => {
    for (const ok of ["ws://127.0.0.1:18789", "wss://gw.example", "wss://gw.example:443/path?x=1", "ws://[::1]:18789"])
      expect(gatewayUrlProblem(ok), ok).toBeNull();
    expect(gatewayUrlProblem("http://127.0.0.1:1")).toBe("Use a ws:// or wss:// URL");
    expect(gatewayUrlProblem("https://gw.example")).toBe("Use a ws:// or wss:// URL");
    expect(gatewayUrlProblem("ftp://gw")).toBe("Use a ws:// or wss:// URL");
    expect(gatewayUrlProblem("gw.example:18789")).not.toBeNull();
    expect(gatewayUrlProblem("ws://user:pw@gw.example")).toMatch(/credentials/);
    expect(gatewayUrlProblem("nonsense")).toMatch(/Enter a URL/);
  });

  it("need a name and a token to register, and keep the token when an edit leaves it empty", () => {
    expect(gatewayCreateSchema.safeParse({ name: " Lab ", url: "ws://h:1", token: "t" })).toMatchObject({ success: true, data: { name: "Lab" } });
    expect(gatewayCreateSchema.safeParse({ name: "", url: "ws://h:1", token: "t" }).success).toBe(false);
    expect(gatewayCreateSchema.safeParse({ name: "Lab", url: "ws://h:1", token: "" }).success).toBe(false);
    expect(gatewayCreateSchema.safeParse({ name: "Lab", url: "ws://h:1", token: "t", extra: "1" }).success).toBe(false);
    const id = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    expect(gatewayUpdateSchema.safeParse({ gateway_id: id, name: "Lab", url: "ws://h:1" })).toMatchObject({ success: true, data: { token: "" } });
  });
});
