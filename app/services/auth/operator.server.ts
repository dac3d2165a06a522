import type { RouterContextProvider } from "react-router";
import { requestContext, userContext } from "#app/context.server";
import type { Actor } from "#app/db/rows";
import type { Role } from "#app/domain/roles";
import { requireRole, type SessionUser } from "./sessions.server";

/**
 * What every page action needs: the runtime, the signed-in user checked
 * against the role the action requires, and the actor recorded with the write.
 * Identity always comes from the session, never from the submitted form.
 */
export function operator(context: Readonly<RouterContextProvider>, request: Request, role: Role = "operator") {
  const state = context.get(requestContext);
  const user: SessionUser = requireRole(context.get(userContext), role, request);
  const actor: Actor = { type: "user", id: user.id, name: user.name };
  return { ...state, db: state.rt.db, user, actor };
}
