import { describe, expect, it } from "vitest";
import { RPC_TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { query } from "#tests/support/fixtures";

// Each driver must deliver every parameter type with its meaning intact: a
// boolean sent as the text "true" once arrived as false on PostgreSQL.
describe.each(RPC_TRANSPORTS)("rpc parameters on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("delivers true and false to a boolean parameter", async () => {
    const [admin, target] = await query<{ id: string }>(
      db(),
      "insert into users (email, name, role, password_hash) values ('a@p.test', 'A', 'admin', 'h'), ('b@p.test', 'B', 'viewer', 'h') returning id",
    );
    await db().rpc("set_user_disabled", { p_user_id: target!.id, p_disabled: true, p_actor_id: admin!.id });
    expect((await query<{ disabled: boolean }>(db(), "select disabled_at is not null as disabled from users where id = $1", [target!.id]))[0]!.disabled).toBe(
      true,
    );
    await db().rpc("set_user_disabled", { p_user_id: target!.id, p_disabled: false, p_actor_id: admin!.id });
    expect((await query<{ disabled: boolean }>(db(), "select disabled_at is not null as disabled from users where id = $1", [target!.id]))[0]!.disabled).toBe(
      false,
    );
  });

  it("delivers numbers, nulls, text with quotes and nested JSON", async () => {
    const ws = await db().rpc<{ id: string }>("create_workspace", {
      p_name: 'It\'s "quoted" ; drop table tasks',
      p_slug: "quoted",
      p_icon: null,
      p_actor: { type: "system", name: "t", nested: { deep: [1, 2] } },
    });
    const board = await db().rpc<{ counts: Record<string, number> }>("get_board", { p_workspace_id: ws.id, p_limits: { done: 0, inbox: 3 } });
    expect(board.counts.inbox).toBe(0);
    const [row] = await query<{ name: string }>(db(), "select name from workspaces where id = $1", [ws.id]);
    expect(row!.name).toBe('It\'s "quoted" ; drop table tasks');
  });
});
