import { afterAll, afterEach } from "vitest";

// Any console.error is a bug we would otherwise miss (React warnings, errors
// swallowed by a catch that logs). It still prints, then fails the test that
// caused it; one logged from beforeAll fails the file's first test, one from
// afterAll fails the file.
let logged: unknown[][] = [];
const original = console.error.bind(console);

console.error = (...args: unknown[]) => {
  logged.push(args);
  original(...args);
};

function check(): void {
  if (logged.length === 0) return;
  const first = logged[0]!.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" ");
  const count = logged.length;
  logged = [];
  throw new Error(`console.error was called ${count} time(s); first: ${first}`);
}

afterEach(check);
afterAll(check);
