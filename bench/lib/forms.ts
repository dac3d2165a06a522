import type { RequestSpec } from "autocannon";
import type { FormClient } from "#tests/support/http-client";
import { cookieHeader } from "./http";

// The operator's create-task form, as the UI posts it: the fields of the form
// on /w/:slug/tasks/new with their defaults (read from the served page), a
// distinct title each, the session-bound CSRF token from the page's hidden
// `csrf` field, the signed-in session's cookies and the server's Origin.

export interface TaskFormPost {
  path: string;
  headers: Record<string, string>;
  /** The urlencoded body of post number n (its title carries `prefix` and n). */
  body(n: number): string;
  /** The title prefix every task of this generator starts with. */
  prefix: string;
  /** A response is a success when it redirects to the new task's page. */
  created(status: number, location: string | undefined): boolean;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
const decode = (v: string) => v.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, n: string) => ENTITIES[n]!);
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag) ?? (new RegExp(`\\s${name}(?=[\\s/>])`).test(tag) ? ["", ""] : null);
  return m ? decode(m[1]!) : null;
};

/** The fields a browser would submit for the first form on the page that has a `title` field. */
export function formFields(html: string): { action: string | null; fields: Map<string, string> } {
  const form = [...html.matchAll(/<form\b[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => /name="title"/.test(f));
  if (!form) throw new Error("no task form on the page");
  const action = attr(/^<form\b[^>]*>/.exec(form)![0], "action");
  const fields = new Map<string, string>();
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, "name");
    const type = (attr(tag, "type") ?? "text").toLowerCase();
    if (!name || type === "submit" || type === "button" || type === "file") continue;
    if ((type === "checkbox" || type === "radio") && attr(tag, "checked") === null) continue;
    fields.set(name, attr(tag, "value") ?? (type === "checkbox" ? "on" : ""));
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attr(` ${m[1]!}`, "name");
    if (name) fields.set(name, decode(m[2]!));
  }
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attr(` ${m[1]!}`, "name");
    if (!name) continue;
    const options = [...m[2]!.matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
    const chosen = options.find((o) => attr(o, "selected") !== null) ?? options[0];
    fields.set(name, chosen ? (attr(chosen, "value") ?? "") : "");
  }
  // The submit button a click would send, if it has a name.
  const button = [...form.matchAll(/<button\b[^>]*>/g)].map((m) => m[0]).find((t) => (attr(t, "type") ?? "submit") === "submit");
  const buttonName = button ? attr(button, "name") : null;
  if (button && buttonName) fields.set(buttonName, attr(button, "value") ?? "");
  return { action, fields };
}

export async function taskFormPost(client: FormClient, slug: string, prefix: string): Promise<TaskFormPost> {
  const page = await client.get(`/w/${slug}/tasks/new`);
  if (page.status !== 200) throw new Error(`new-task page answered ${page.status}`);
  const { action, fields } = formFields(client.lastHtml);
  if (fields.get("csrf") !== client.csrf()) throw new Error("the task form carries no session-bound csrf field");
  // A form without an action posts to the page's own address.
  const path = action || `/w/${slug}/tasks/new`;
  const headers = { "content-type": "application/x-www-form-urlencoded", origin: client.base, cookie: cookieHeader(client.cookies) };
  const description = "Created by the benchmark through the new-task form, as an operator would.";
  const taskPage = new RegExp(`^(https?://[^/]+)?/w/${slug}/tasks/[0-9a-f-]{36}$`);
  return {
    path,
    headers,
    prefix,
    body(n) {
      return new URLSearchParams({ ...Object.fromEntries(fields), title: `${prefix} ${n}`, description }).toString();
    },
    created(status, location) {
      return (status === 302 || status === 303) && location !== undefined && taskPage.test(location);
    },
  };
}

/** An autocannon request that posts the form with a new title each time, counting the redirects to a new task. */
export function formRequest(form: TaskFormPost, counter: { n: number; created: number }): RequestSpec {
  return {
    method: "POST",
    path: form.path,
    headers: form.headers,
    setupRequest: (r) => ({ ...r, body: form.body(counter.n++) }),
    onResponse: (status, _body, _ctx, headers) => {
      // Raw header names, as the server wrote them.
      const location = Object.entries(headers).find(([k]) => k.toLowerCase() === "location")?.[1];
      if (form.created(status, typeof location === "string" ? location : undefined)) counter.created++;
    },
  };
}
