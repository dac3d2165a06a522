// Who did something, as every write function takes it (p_actor) and every
// audited row stores it. The one shape shared by all areas.
export interface Actor {
  type: "user" | "agent" | "system";
  id?: string | null;
  name: string;
  /** Set when a user acted through the operator API: the API key used (kept in the audit entry's actor). */
  api_key_id?: string;
}
