import { useEffect } from "react";

// React Router abandons a page's data request when another navigation or
// submission starts (a live update's refresh overtaken by a form post, say),
// and on a busy machine such an abandoned request can end as a promise
// nobody awaits, rejected with an AbortError. A request given up on purpose
// is not a failure: the browser is not to report it as an uncaught error.
// Every other rejection is reported as before.

export function useQuietAborts(): void {
  useEffect(() => {
    const onRejection = (event: PromiseRejectionEvent) => {
      if (event.reason instanceof DOMException && event.reason.name === "AbortError") event.preventDefault();
    };
    window.addEventListener("unhandledrejection", onRejection);
    return () => window.removeEventListener("unhandledrejection", onRejection);
  }, []);
}
