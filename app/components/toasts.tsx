import { useEffect, useState } from "react";
import { Form, useLocation, useRouteLoaderData } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { type Toast, toastTimeoutMs } from "#app/domain/toast";
import { SubmitButton } from "./submit-button";

/** The toast the UI layout's loader read for this page, if any (for a card that shows its own refusal). */
export function usePageToast(): Toast | null {
  const data = useRouteLoaderData<{ toast: Toast | null }>("routes/ui-layout");
  return data?.toast ?? null;
}

/**
 * The one toast region. Plain server-rendered markup in a stable container,
 * so a page that does not hydrate can swap it from fetched HTML; with
 * JavaScript, a toast dismisses itself after a while (longer with an undo
 * or for an error), and the close control hides it in place. Without
 * JavaScript the toast stays, and the close control is a link that reloads
 * the page (the flash is already cleared).
 */
export function Toasts({ toast }: { toast: Toast | null }) {
  const { pathname, search } = useLocation();
  // Toasts already shown and gone: the page's data may bring the same one again (a revalidation).
  const [gone, setGone] = useState<ReadonlySet<string>>(() => new Set());
  const visible = toast && !gone.has(toast.id) ? toast : null;
  const hide = (id: string) => setGone((ids) => new Set(ids).add(id));
  const visibleId = visible?.id;
  const timeout = visible ? toastTimeoutMs(visible) : 0;
  useEffect(() => {
    if (!visibleId) return;
    const timer = setTimeout(() => hide(visibleId), timeout);
    return () => clearTimeout(timer);
  }, [visibleId, timeout]);
  return (
    <div id="toasts" data-island-region="toasts" data-island-keep="" className="toasts" aria-live="polite">
      {visible ? (
        <div
          key={visible.id}
          className={`toast toast-${visible.kind}`}
          role={visible.kind === "error" ? "alert" : "status"}
          data-toast-id={visible.id}
          data-toast-kind={visible.kind}
          data-toast-timeout={toastTimeoutMs(visible)}
        >
          <p className="toast-message">{visible.message}</p>
          {visible.undo ? (
            <Form method="post" action={visible.undo.action} className="toast-undo">
              <AuthenticityTokenInput />
              {Object.entries(visible.undo.fields).map(([name, value]) => (
                <input key={name} type="hidden" name={name} value={value} />
              ))}
              <SubmitButton className="btn btn-small" pendingLabel="Undoing…">
                {visible.undo.label ?? "Undo"}
              </SubmitButton>
            </Form>
          ) : null}
          <a
            href={pathname + search}
            className="toast-close"
            data-toast-dismiss=""
            aria-label="Dismiss"
            onClick={(e) => {
              e.preventDefault();
              hide(visible.id);
            }}
          >
            ×
          </a>
        </div>
      ) : null}
    </div>
  );
}
