import { useEffect, useState } from "react";
import { Form, useRevalidator } from "react-router";
import { AuthenticityTokenInput, useAuthenticityToken } from "remix-utils/csrf/react";
import type { PushDevicesData } from "#app/routes/push-devices.server";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";

// The settings page's "Notifications on this device" panel (decision 048).
// Adding a device needs JavaScript (the browser's Push API subscribes); the
// list, its test button and its remove button are plain forms that work
// without it.

type Status = { kind: "idle" | "busy" | "done" | "error"; message: string };

/** The VAPID public key as the bytes PushManager.subscribe takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function subscribeThisDevice(vapidPublicKey: string, csrf: string): Promise<Status> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    return { kind: "error", message: "Notifications are blocked for this site. Allow them in the browser's site settings, then try again." };
  }
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapidPublicKey) }));
  const response = await fetch("/api/push-subscriptions", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (response.ok) return { kind: "done", message: "This device will be notified." };
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return { kind: "error", message: body?.error?.message ?? `This device could not be saved (${response.status}).` };
}

export function PushSubscribe({ data }: { data: PushDevicesData }) {
  const csrf = useAuthenticityToken();
  const revalidator = useRevalidator();
  // Rendered on the server as "needs JavaScript"; the button appears once the page runs scripts.
  const [support, setSupport] = useState<"unknown" | "yes" | "no" | "insecure">("unknown");
  const [status, setStatus] = useState<Status>({ kind: "idle", message: "" });
  useEffect(() => setSupport(!window.isSecureContext ? "insecure" : pushSupported() ? "yes" : "no"), []);

  const subscribe = () => {
    setStatus({ kind: "busy", message: "Asking the browser…" });
    subscribeThisDevice(data.vapidPublicKey, csrf)
      .then((result) => {
        setStatus(result);
        if (result.kind === "done") void revalidator.revalidate();
      })
      .catch((error: unknown) => setStatus({ kind: "error", message: `This browser refused: ${(error as Error).message}` }));
  };

  return (
    <section className="panel" id="devices" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Notifications on this device</h2>
      <p className="muted">
        Get a notification on this phone or computer when something waits for you, such as an approval. Tapping it opens the approval, where one more tap
        decides it.
      </p>
      {support === "unknown" ? (
        <p className="notice" data-push="needs-javascript">
          Notifications need JavaScript: turn it on to add this device. The devices below can be tested and removed without it.
        </p>
      ) : support === "insecure" ? (
        <p className="notice" data-push="insecure">
          Notifications need Mission Control&apos;s https address: browsers allow them only on secure pages.
        </p>
      ) : support === "no" ? (
        <p className="notice" data-push="unsupported">
          This browser cannot receive push notifications. On an iPhone or iPad, add Mission Control to the home screen first and open it from there.
        </p>
      ) : (
        <p>
          <button type="button" className="btn btn-primary" onClick={subscribe} disabled={status.kind === "busy"}>
            Notify me on this device
          </button>
        </p>
      )}
      {status.message ? (
        <p className={status.kind === "error" ? "form-error" : "notice"} role={status.kind === "error" ? "alert" : "status"}>
          {status.message}
        </p>
      ) : null}
      <h3>Your devices</h3>
      {data.devices.length === 0 ? (
        <p className="muted">No device gets your notifications yet.</p>
      ) : (
        <table className="table stack push-devices">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Added</th>
              <th scope="col">Last delivered</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.devices.map((device) => (
              <tr key={device.id}>
                <td data-label="Device">{device.user_agent || "A browser"}</td>
                <td data-label="Added">
                  <Time value={device.created_at} absolute />
                </td>
                <td data-label="Last delivered">{device.last_success_at ? <Time value={device.last_success_at} absolute /> : "Not yet"}</td>
                <td data-label="Actions">
                  <div className="row-actions">
                    <Form method="post" action="/settings/devices">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="id" value={device.id} />
                      <SubmitButton className="btn btn-small" name="intent" value="test" pendingLabel="Sending…">
                        Send a test notification
                      </SubmitButton>
                    </Form>
                    <Form method="post" action="/settings/devices">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="id" value={device.id} />
                      <SubmitButton className="btn btn-small btn-ghost btn-danger-text" name="intent" value="remove" pendingLabel="Removing…">
                        Remove
                      </SubmitButton>
                    </Form>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
