import type { AuditActor } from "#app/domain/audit";
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

interface Named {
  id: string;
  name: string;
}

/** An entry as the audit page reads it: with the current names of who acted and what it concerns. */
export interface AuditLogEntry extends Omit<AuditEntry, "actor"> {
  actor: AuditActor;
  prev_hash: string;
  refs: {
    workspace?: Named & { slug: string };
    actor_agent?: Named;
    task?: Named & { title: string };
    agent?: Named;
    pipeline?: Named;
    user?: Named;
  };
}

export interface AuditLogPage {
  entries: AuditLogEntry[];
  /** The seq to page on from, when older entries match too. */
  next_before: number | null;
}

export interface AuditLogFacets {
  kinds: string[];
  actors: Array<{ key: string; type: string; name: string }>;
  workspaces: Array<{ id: string; slug: string; name: string }>;
}

/** Newest first, filtered (actor key, action or area, workspace_id, from/to days in the zone, text), `limit` entries before seq `before`. */
export const searchAuditLog = (db: Database, filters: Record<string, string>, before: number | null, limit: number, timeZone: string) =>
  db.rpc<AuditLogPage>("search_audit_log", { p_filters: filters, p_before: before, p_limit: limit, p_time_zone: timeZone });

export const auditLogFacets = (db: Database) => db.rpc<AuditLogFacets>("audit_log_facets");
