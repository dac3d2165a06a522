import type { Database } from "./types";

// Typed calls for the hash-chained audit log: reading it and verifying the chain.

export interface AuditEntry {
  seq: number;
  at: string;
  kind: string;
  actor: { type?: string; name?: string; id?: string; email?: string };
  /** Who acted, for display: the stored name, else the user's current name, else the actor type. */
  actor_name: string;
  subject: Record<string, string>;
  data: Record<string, unknown>;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  head?: string;
  broken_at?: number;
  reason?: string;
}

export const verifyAuditLog = (db: Database) => db.rpc<AuditVerification>("verify_audit_log");

/** Newest first, `limit` entries before seq `before` (null: from the newest). */
export const listAuditLog = (db: Database, before: number | null, limit: number) =>
  db.rpc<AuditEntry[]>("list_audit_log", { p_before: before, p_limit: limit });
