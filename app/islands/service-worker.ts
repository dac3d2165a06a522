// The service worker (decision 048): it shows Web Push notifications and opens
// the right page when one is tapped. It has no fetch handler and caches
// nothing: every page is the signed-in user's and must come fresh from the
// server, and the app needs no offline mode to be installable.

import { notificationTarget, readPushPayload } from "../domain/push";

// The few service worker types used here (the project's TypeScript library is the page's, DOM).
interface WindowClientLike {
  url: string;
  focused: boolean;
  focus(): Promise<WindowClientLike>;
  navigate(url: string): Promise<WindowClientLike | null>;
}
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification;
}
interface ServiceWorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: "push", listener: (event: PushEventLike) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationEventLike) => void): void;
}

const worker = globalThis as unknown as ServiceWorkerScope;

// A new release's worker takes over at once: it holds no state an old page relies on.
worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener("push", (event) => {
  let text: string | null = null;
  try {
    text = event.data?.text() ?? null;
  } catch {
    text = null;
  }
  const message = readPushPayload(text);
  event.waitUntil(
    worker.registration.showNotification(message.title, {
      body: message.body,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-maskable-192.png",
      data: { url: message.url },
      ...(message.tag ? { tag: message.tag } : {}),
    }),
  );
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const origin = worker.location.origin;
  const target = notificationTarget((event.notification.data as { url?: unknown } | null)?.url, origin);
  event.waitUntil(openOrFocus(target, origin));
});

/** Focuses a Mission Control window (the one already on the page, else any, moved there), or opens one. */
async function openOrFocus(target: string, origin: string): Promise<void> {
  const windows = (await worker.clients.matchAll({ type: "window", includeUncontrolled: true })).filter((w) => new URL(w.url).origin === origin);
  const onPage = windows.find((w) => w.url === target);
  if (onPage) {
    await onPage.focus();
    return;
  }
  const other = windows.find((w) => w.focused) ?? windows[0];
  if (other) {
    try {
      const moved = await other.navigate(target);
      if (moved) {
        await moved.focus();
        return;
      }
    } catch {
      // A window this worker does not control cannot be moved: open a new one instead.
    }
  }
  await worker.clients.openWindow(target);
}
