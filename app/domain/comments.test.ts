import { describe, expect, it } from "vitest";
import { mentionHandles, mentionMessage } from "./comments";
import { commentCreateSchema } from "./forms/comments";

describe("comment mentions", () => {
  it("reads agent and user handles where a word starts, each once, lower case, without a sentence's full stop", () => {
    expect(mentionHandles("Over to @Research-Scout, thanks @ada. Also @ada and (@bob@example.com).")).toEqual(["research-scout", "ada", "bob@example.com"]);
  });

  it("ignores addresses, code and a bare @", () => {
    expect(mentionHandles("mail bob@example.com, run `@scout` or\n```\n@scout\n```\nand @ alone")).toEqual([]);
  });

  it("says how to reply with a comment", () => {
    const text = mentionMessage({ taskId: "t", commentId: "c1", authorName: "Ada", body: "Check @scout", commentsUrl: "http://mc/api/agent/tasks/t/comments" });
    expect(text).toContain("Ada mentioned you in a comment on this task (comment c1):");
    expect(text).toContain(`POST http://mc/api/agent/tasks/t/comments  {"body":"…","in_reply_to":"c1"}`);
  });

  it("refuses a blank comment or one with too many mentions", () => {
    expect(commentCreateSchema.safeParse({ body: "  " }).success).toBe(false);
    const many = Array.from({ length: 21 }, (_, i) => `@a${i}`).join(" ");
    expect(commentCreateSchema.safeParse({ body: many }).error?.issues[0]?.message).toBe("At most 20 mentions in one comment");
    expect(commentCreateSchema.safeParse({ body: "fine", in_reply_to: "" }).data).toEqual({ body: "fine", in_reply_to: undefined });
  });
});
