import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// An OpenAI-compatible model server for the real OpenClaw gateway, offline.
// Replies are scripted: the first rule whose `contains` occurs in the user
// message wins; otherwise a line `MC-REPLY: <text>` in the message is echoed as
// the reply; otherwise the reply is "TASK_COMPLETE: done". A rule with a
// `toolCall` first answers with that tool call (an `exec` of a command, say)
// and gives its text reply only once the tool's result is back, as a model
// that ran a command and read its output would. Every completion request is
// recorded with the usage the stub reported for it and the tool results it saw.
//
// Test files run in worker processes while the server lives in the global
// setup, so the server also answers a small control API (see stubControl):
//   GET /__requests  recorded requests
//   POST /__rules    [{contains, reply, delayMs?}] replaces the rules
//   POST /__reset    clears rules and recorded requests

export interface StubRule {
  contains: string;
  reply: string;
  /** Wait this long before answering (the gateway sees a slow model). */
  delayMs?: number;
  /** Answer the turn's requests with these tool calls, one at a time, each after the last one's result; `reply` comes after the last. */
  toolCall?: StubToolCall | StubToolCall[];
}

export interface StubToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface StubMessage {
  role: string;
  text: string;
}

export interface StubRequest {
  seq: number;
  at: string;
  model: string | null;
  stream: boolean;
  /**
   * The user messages of the current turn (the last run of user messages; tool
   * calls and their results after them belong to the same turn), joined by blank lines. OpenClaw sends the operator's message as
   * "[<timestamp>] <message>\n\nRuntime: agent=… | session=… | …" plus an
   * internal-context user message.
   */
  userText: string;
  /** Every message of the request, flattened to text. */
  messages: StubMessage[];
  /** The names of the tools the request offered the model. */
  tools: string[];
  reply: string;
  /** The tool call the stub answered with instead of text, if any. */
  toolCall: StubToolCall | null;
  /** Results of tool calls in the current turn, as the model saw them. */
  toolResults: string[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** False when the client went away before the reply was sent. */
  completed: boolean;
  /** True once the client (the gateway) closed the request while the stub still held it: the run was stopped. */
  cut: boolean;
}

export interface StubModel {
  /** Base URL, e.g. http://127.0.0.1:1234 (the OpenAI API lives under /v1). */
  url: string;
  requests: StubRequest[];
  setRules(rules: StubRule[]): void;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_STUB_REPLY = "TASK_COMPLETE: done";
export const STUB_MODEL_ID = "stub-model";

/** Deterministic token counts so tests can predict them from the recorded request. */
export function stubTokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function stubReplyFor(
  userText: string,
  rules: readonly StubRule[],
  toolResults: readonly string[] = [],
): { reply: string; delayMs: number; toolCall: StubToolCall | null } {
  const rule = rules.find((r) => userText.includes(r.contains));
  if (rule) {
    const calls = rule.toolCall === undefined ? [] : Array.isArray(rule.toolCall) ? rule.toolCall : [rule.toolCall];
    const toolCall = calls[toolResults.length] ?? null;
    return { reply: toolCall ? "" : rule.reply, delayMs: rule.delayMs ?? 0, toolCall };
  }
  const scripted = /^MC-REPLY: (.*)$/m.exec(userText);
  return { reply: scripted ? scripted[1]!.trim() : DEFAULT_STUB_REPLY, delayMs: 0, toolCall: null };
}

/** OpenClaw adds its own context as user messages; they never start a turn. */
const INTERNAL_CONTEXT = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>";

/**
 * The current turn: from the last user message the operator sent (with the
 * user messages right before it) to the end, its user text and the results of
 * the tool calls made in it.
 */
export function currentTurn(messages: readonly StubMessage[]): { userText: string; toolResults: string[] } {
  const isUser = (m: StubMessage) => m.role === "user";
  let start = messages.findLastIndex((m) => isUser(m) && !m.text.startsWith(INTERNAL_CONTEXT));
  if (start < 0) start = messages.findLastIndex(isUser);
  if (start < 0) return { userText: "", toolResults: [] };
  while (start > 0 && isUser(messages[start - 1]!)) start -= 1;
  const turn = messages.slice(start);
  return {
    userText: turn
      .filter(isUser)
      .map((m) => m.text)
      .join("\n\n"),
    toolResults: turn.filter((m) => m.role === "tool").map((m) => m.text),
  };
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
      .join("");
  }
  return "";
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startStubModel(): Promise<StubModel> {
  let rules: StubRule[] = [];
  const requests: StubRequest[] = [];
  let seq = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stub");
    const route = `${req.method} ${url.pathname}`;

    if (route === "GET /__requests") return sendJson(res, 200, requests);
    if (route === "POST /__rules") {
      const body = JSON.parse((await readBody(req)) || "[]") as StubRule[];
      if (!Array.isArray(body)) return sendJson(res, 400, { error: "expected a list of rules" });
      rules = body;
      return sendJson(res, 200, { ok: true });
    }
    if (route === "POST /__reset") {
      rules = [];
      requests.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (route === "GET /v1/models" || route === "GET /models") {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: STUB_MODEL_ID, object: "model", created: 0, owned_by: "stub" }],
      });
    }
    if (route === "POST /v1/chat/completions" || route === "POST /chat/completions") {
      return completion(req, res);
    }
    sendJson(res, 404, { error: { message: `no route ${route}` } });
  }

  async function completion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(req)) as {
      model?: string;
      stream?: boolean;
      messages?: Array<{ role?: string; content?: unknown }>;
      tools?: Array<{ function?: { name?: string } }>;
    };
    const messages: StubMessage[] = (body.messages ?? []).map((m) => ({ role: String(m.role ?? ""), text: contentText(m.content) }));
    const { userText, toolResults } = currentTurn(messages);
    const { reply, delayMs, toolCall } = stubReplyFor(userText, rules, toolResults);
    const toolArguments = toolCall ? JSON.stringify(toolCall.arguments) : "";
    const promptTokens = stubTokenCount(messages.map((m) => m.text).join("\n"));
    const completionTokens = stubTokenCount(reply || toolArguments);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const record: StubRequest = {
      seq: ++seq,
      at: new Date().toISOString(),
      model: body.model ?? null,
      stream: body.stream === true,
      userText,
      messages,
      tools: (body.tools ?? []).map((t) => String(t.function?.name ?? "")),
      reply,
      toolCall,
      toolResults,
      usage,
      completed: false,
      cut: false,
    };
    requests.push(record);

    if (delayMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), delayMs);
        res.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gone || res.destroyed) {
        record.cut = true;
        return;
      }
    }

    const id = `chatcmpl-stub-${record.seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? STUB_MODEL_ID;

    if (!record.stream) {
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          toolCall
            ? {
                index: 0,
                message: {
                  role: "assistant",
                  content: null,
                  tool_calls: [{ id: `call-stub-${record.seq}`, type: "function", function: { name: toolCall.name, arguments: toolArguments } }],
                },
                finish_reason: "tool_calls",
              }
            : { index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" },
        ],
        usage,
      });
      record.completed = true;
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`);
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    if (toolCall) {
      const call = { index: 0, id: `call-stub-${record.seq}`, type: "function", function: { name: toolCall.name, arguments: toolArguments } };
      chunk([{ index: 0, delta: { tool_calls: [call] }, finish_reason: null }]);
      chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]);
    } else {
      // A few pieces, like a real model streaming.
      for (const piece of reply.match(/.{1,16}/gs) ?? [""]) {
        chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
      }
      chunk([{ index: 0, delta: {}, finish_reason: "stop" }]);
    }
    chunk([], { usage });
    res.end("data: [DONE]\n\n");
    record.completed = true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRules(next) {
      rules = next;
    },
    reset() {
      rules = [];
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Typed client for the stub's control API (usable from any process). */
export function stubControl(url: string) {
  async function call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(pathname, url), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`stub ${method} ${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  const control = {
    requests: () => call<StubRequest[]>("GET", "/__requests"),
    setRules: async (rules: StubRule[]) => {
      await call("POST", "/__rules", rules);
    },
    reset: async () => {
      await call("POST", "/__reset");
    },
    /** Polls until a recorded request matches, or fails after timeoutMs. */
    async waitForRequest(match: (r: StubRequest) => boolean, timeoutMs = 30_000): Promise<StubRequest> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await control.requests()).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`stub: no matching request within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return control;
}
