import { beforeAll, describe, expect, it } from "vitest";
import {
  agentCreateComment,
  agentDeleteComment,
  agentEditComment,
  createTaskComment,
  deleteTaskComment,
  editTaskComment,
  listTaskComments,
  markMentionsDispatched,
  queuedMentionsFor,
} from "#app/db/comments.server";
import type { Actor } from "#app/db/actor";
import type { Workspace } from "#app/db/workspaces.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { type TestUser, appError, createAgent, createTask, createUser, createWorkspace, eventsAfter, maxSeq, query } from "#tests/support/fixtures";

// Comments in SQL (decision 045): a comment, its mentions, its revision and
// its events in one step; unknown mentions refused by name with nothing
// written; only the author edits or deletes (a tombstone stays); comments on
// another workspace's task refused; queued mentions handed to the next dispatch.
/** The actor a page passes for a signed-in user. */
const as = (u: TestUser): Actor => ({ type: "user", id: u.id, name: u.name });

describe.each(TRANSPORTS)("comments on %s", (kind) => {
  const db = useTestDatabase(kind);
  let ws: Workspace;
  let other: Workspace;
  let ada: TestUser;
  let bob: TestUser;
  let scout: { id: string; name: string };

  beforeAll(async () => {
    ws = await createWorkspace(db());
    other = await createWorkspace(db());
    ada = await createUser(db(), "operator", "Ada Lovelace");
    bob = await createUser(db(), "operator", "Bob Builder");
    scout = await createAgent(db(), ws.id, { name: "Research Scout", openclaw_agent_id: "scout" });
  });

  const counts = async () =>
    (
      await query<{ c: number; m: number; r: number }>(
        db(),
        "select (select count(*)::int from task_comments) c, (select count(*)::int from task_comment_mentions) m, (select count(*)::int from task_comment_revisions) r",
      )
    )[0]!;

  it("writes a comment with its mentions and events, keeps every edit, and leaves a tombstone on delete", async () => {
    const task = await createTask(db(), ws.id, { title: "Survey the market", status: "assigned", assigned_agent_id: scout.id });
    const seq = await maxSeq(db());
    const written = await createTaskComment(
      db(),
      { taskId: task.id, workspaceId: ws.id, body: "Over to you @research-scout, cc @" + bob.email, mentions: ["research-scout", bob.email] },
      as(ada),
    );
    expect(written.comment).toMatchObject({ author: { type: "user", id: ada.id, name: "Ada Lovelace" }, revisions: 0, deleted_at: null });
    expect(written.new_mentions.map((m) => [m.kind, m.name, m.delivery])).toEqual([
      ["agent", "Research Scout", "queued"],
      ["user", "Bob Builder", "notified"],
    ]);
    const events = await eventsAfter(db(), seq);
    expect(events.map((e) => e.type)).toEqual(["comment.mentioned", "comment.created"]);
    expect(events[0]!.payload).toMatchObject({ user_id: bob.id, comment_id: written.comment.id, task_id: task.id });
    expect(events[0]!.task_id).toBe(task.id);

    // The agent's queued mention goes with the next dispatch, once.
    const queued = await queuedMentionsFor(db(), task.id, scout.id);
    expect(queued.map((q) => q.comment_id)).toEqual([written.comment.id]);
    await markMentionsDispatched(db(), [queued[0]!.mention_id], "run-1");
    expect(await queuedMentionsFor(db(), task.id, scout.id)).toEqual([]);

    const edited = await editTaskComment(
      db(),
      written.comment.id,
      { taskId: task.id, workspaceId: ws.id, body: "Over to you @scout", mentions: ["scout"] },
      as(ada),
    );
    expect(edited.changed).toBe(true);
    // @scout is the same agent: nothing new to deliver.
    expect(edited.new_mentions).toEqual([]);
    const [listed] = await listTaskComments(db(), task.id);
    expect(listed).toMatchObject({ body: "Over to you @scout", revisions: 1 });
    expect(listed!.edited_at).not.toBeNull();
    expect(listed!.history.map((h) => h.body)).toEqual([`Over to you @research-scout, cc @${bob.email}`]);

    const seq2 = await maxSeq(db());
    await deleteTaskComment(db(), written.comment.id, task.id, ws.id, as(ada));
    expect((await eventsAfter(db(), seq2)).map((e) => e.type)).toEqual(["comment.deleted"]);
    const [tomb] = await listTaskComments(db(), task.id);
    expect(tomb).toMatchObject({ id: written.comment.id, body: "", revisions: 2, history: [] });
    expect(tomb!.deleted_at).not.toBeNull();
    // Its text is kept in the revisions only; a deleted comment cannot be edited again.
    expect((await query(db(), "select body from task_comment_revisions where comment_id = $1 order by id", [written.comment.id])).length).toBe(2);
    expect((await appError(editTaskComment(db(), written.comment.id, { taskId: task.id, workspaceId: ws.id, body: "back", mentions: [] }, as(ada)))).code).toBe(
      "not_found",
    );
  });

  it("refuses unknown mentions by name, blank or oversized bodies, foreign workspaces and others' comments, writing nothing", async () => {
    const task = await createTask(db(), ws.id, { title: "Guarded" });
    const there = await createTask(db(), other.id, { title: "Elsewhere" });
    const before = await counts();
    const seq = await maxSeq(db());
    const unknown = await appError(
      createTaskComment(db(), { taskId: task.id, workspaceId: ws.id, body: "hi @nobody and @ghost", mentions: ["nobody", "ghost", "scout"] }, as(ada)),
    );
    expect(unknown.code).toBe("invalid");
    expect(unknown.message).toBe("No agent or user is called @nobody, @ghost.");
    expect(unknown.details).toMatchObject({ unknown: ["nobody", "ghost"] });
    for (const body of ["", "   ", "x".repeat(10_001)]) {
      expect((await appError(createTaskComment(db(), { taskId: task.id, workspaceId: ws.id, body, mentions: [] }, as(ada)))).code).toBe("invalid");
    }
    // Another workspace's task, and its agents, are out of reach.
    expect((await appError(createTaskComment(db(), { taskId: there.id, workspaceId: ws.id, body: "x", mentions: [] }, as(ada)))).code).toBe("not_found");
    expect((await appError(createTaskComment(db(), { taskId: task.id, workspaceId: other.id, body: "x", mentions: [] }, as(ada)))).code).toBe("not_found");
    expect(await counts()).toEqual(before);
    expect(await eventsAfter(db(), seq)).toEqual([]);

    const mine = await createTaskComment(db(), { taskId: task.id, workspaceId: ws.id, body: "Ada's note", mentions: [] }, as(ada));
    const afterMine = await counts();
    expect(
      (await appError(editTaskComment(db(), mine.comment.id, { taskId: task.id, workspaceId: ws.id, body: "Bob was here", mentions: [] }, as(bob)))).code,
    ).toBe("forbidden");
    expect((await appError(deleteTaskComment(db(), mine.comment.id, task.id, ws.id, as(bob)))).code).toBe("forbidden");
    expect((await appError(agentDeleteComment(db(), scout.id, task.id, mine.comment.id))).code).toBe("not_found"); // not the agent's task
    expect(await counts()).toEqual(afterMine);
    expect((await listTaskComments(db(), task.id))[0]).toMatchObject({ body: "Ada's note", deleted_at: null });
  });

  it("lets an agent comment on its own task in reply, edit and delete its own, without delivering to other agents", async () => {
    const helper = await createAgent(db(), ws.id, { name: "Helper", openclaw_agent_id: "helper" });
    const task = await createTask(db(), ws.id, { title: "Agent thread", status: "assigned", assigned_agent_id: scout.id });
    const question = await createTaskComment(db(), { taskId: task.id, workspaceId: ws.id, body: "@scout which source?", mentions: ["scout"] }, as(ada));
    const reply = await agentCreateComment(
      db(),
      scout.id,
      task.id,
      `The census, @helper please check; @${ada.email.split("@")[0]}`,
      ["helper", ada.email.split("@")[0]!],
      question.comment.id,
    );
    expect(reply.comment).toMatchObject({ in_reply_to: question.comment.id, author: { type: "agent", id: scout.id, name: "Research Scout" } });
    expect(reply.new_mentions.map((m) => [m.kind, m.delivery])).toEqual([
      ["agent", "none"],
      ["user", "notified"],
    ]);
    expect(await queuedMentionsFor(db(), task.id, helper.id)).toEqual([]);
    // A reply names a comment of this task.
    const elsewhere = await createTask(db(), ws.id, { title: "Other thread" });
    const foreign = await createTaskComment(db(), { taskId: elsewhere.id, workspaceId: ws.id, body: "unrelated", mentions: [] }, as(ada));
    expect((await appError(agentCreateComment(db(), scout.id, task.id, "reply", [], foreign.comment.id))).code).toBe("invalid");

    const edited = await agentEditComment(db(), scout.id, task.id, reply.comment.id, "The census of 2021.", []);
    expect(edited.comment.body).toBe("The census of 2021.");
    expect((await appError(agentEditComment(db(), scout.id, task.id, question.comment.id, "mine now", []))).code).toBe("forbidden");
    const deleted = await agentDeleteComment(db(), scout.id, task.id, reply.comment.id);
    expect(deleted.deleted_at).not.toBeNull();
  });
});
