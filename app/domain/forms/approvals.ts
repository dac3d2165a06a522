import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";

/** A decision names the digest the approver saw: a changed action is not approved by it. */
export const decisionSchema = z
  .object({
    approval_id: z.uuid({ error: "Unknown approval" }),
    digest: z.string().regex(/^[0-9a-f]{64}$/, "Unknown action digest"),
    comment: z.string().trim().max(L.approvals.comment, atMost(L.approvals.comment)).default(""),
  })
  .strict();

export const grantRevokeSchema = z.object({ grant_id: z.uuid({ error: "Unknown grant" }) }).strict();
