import { AppError } from "#app/domain/errors";
import { agentMcpRequest } from "#app/services/agent-plane/agent-api.server";
import { decodeJsonBytes, readBodyBytes, requireJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/mcp";

// POST /api/mcp — the agent API as an MCP server (Streamable HTTP, stateless,
// JSON answers; decision 051). Authorization: Bearer <agent or task token>,
// exactly as the agent API. No sessions, so no GET stream and no DELETE (405).
const MAX_BODY_BYTES = 128 * 1024;

function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentMcpRequest(args, async ({ rt, agent, tokenHash, log }) => {
    requireJson(args.request);
    const body = decodeJsonBytes(await readBodyBytes(args.request, MAX_BODY_BYTES));
    // One message per POST: MCP dropped JSON-RPC batches (2025-06-18), and a batch would carry many writes in one request.
    if (Array.isArray(body)) throw new AppError("invalid", "Send one JSON-RPC message per request (no batches).");
    // The MCP SDK (and what it brings) loads with the first MCP call, not with every start of the server.
    const { answerMcpRequest } = await import("#app/services/agent-plane/mcp-server.server");
    return answerMcpRequest(rt, { agent, tokenHash, log, signal: args.request.signal }, args.request, body, __APP_VERSION__);
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
