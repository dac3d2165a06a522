import { describe, expect, it } from "vitest";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createWorkspace, rowCounts, unique } from "#tests/support/fixtures";

// Values PostgreSQL itself refuses (a NUL character, a lone surrogate, a
// malformed uuid, a number out of range, a value a CHECK forbids) are the
// caller's fault: every transport maps them to a 400 AppError, never to an
// error that would pass for "database unavailable", and nothing is written.
// The HTTP boundary refuses most of these first; this is the layer beneath.
describe.each(RPC_TRANSPORTS)("values PostgreSQL refuses, on %s", (kind) => {
  const db = useTestDatabase(kind);

  const refused = async (call: () => Promise<unknown>) => {
    const before = await rowCounts(db());
    const error = await appError(call());
    expect(error.code).toBe("invalid");
    expect(error.status).toBe(400);
    expect(await rowCounts(db())).toEqual(before);
  };

  it("a NUL character in a text parameter (invalid byte sequence)", async () => {
    await refused(() => db().rpc("create_workspace", { p_name: "a\u0000b", p_slug: unique("nul"), p_icon: "", p_actor: SYSTEM }));
  });

  it("a NUL character inside JSON (untranslatable character)", async () => {
    const ws = await createWorkspace(db());
    await refused(() => db().rpc("create_task", { p_workspace_id: ws.id, p_fields: { title: "a\u0000b" }, p_actor: SYSTEM }));
  });

  it("a lone surrogate inside JSON", async () => {
    const ws = await createWorkspace(db());
    await refused(() => db().rpc("create_task", { p_workspace_id: ws.id, p_fields: { title: "a\ud800b" }, p_actor: SYSTEM }));
  });

  it("a malformed uuid", async () => {
    await refused(() => db().rpc("create_task", { p_workspace_id: "not-a-uuid", p_fields: { title: "t" }, p_actor: SYSTEM }));
  });

  it("a value a CHECK constraint forbids", async () => {
    await refused(() => db().rpc("create_workspace", { p_name: "n", p_slug: "Not A Slug!", p_icon: "", p_actor: SYSTEM }));
  });

  it("a number out of range", async () => {
    const ws = await createWorkspace(db());
    await refused(() => db().rpc("get_board", { p_workspace_id: ws.id, p_limits: { inbox: 99_999_999_999 } }));
  });
});
