import { isRouteErrorResponse } from "react-router";

/** What a route error says to the reader: its status, a title and one sentence (never a stack trace). */
export function describeRouteError(error: unknown): { status: number; title: string; message: string } {
  let status = 500;
  let message = "Something went wrong on our side. It has been logged.";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const body = error.data as { message?: string } | string | undefined;
    message =
      (typeof body === "object" && body?.message) ||
      (typeof body === "string" && body) ||
      (status === 404 ? "There is nothing at this address." : error.statusText || message);
  }
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status < 500 ? "Request refused" : "Error";
  return { status, title, message };
}

/** The error page of the root and of the workspace layout (which keeps its navigation around it). */
export function ErrorPage({ error }: { error: unknown }) {
  const { status, title, message } = describeRouteError(error);
  return (
    <main id="main" className="error-page">
      <p className="error-code">{status}</p>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to Mission Control</a>
      </p>
    </main>
  );
}
