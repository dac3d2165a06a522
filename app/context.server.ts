import { createContext } from "react-router";
import type { Workspace } from "./db/rows";
import type { SessionUser } from "./services/auth/sessions.server";
import type { Logger } from "./services/observability/logger.server";
import type { Runtime } from "./services/runtime.server";

/** Per-request state set by the root middleware: the runtime, request id and logger. */
export interface RequestState {
  rt: Runtime;
  requestId: string;
  log: Logger;
  clientIp: string;
}

export const requestContext = createContext<RequestState>();

/** The signed-in operator, set by the UI layout middleware (null when signed out). */
export const userContext = createContext<SessionUser | null>(null);

/** The workspace named in a /w/:slug address, loaded once by the workspace layout's middleware. */
export const workspaceContext = createContext<Workspace>();
