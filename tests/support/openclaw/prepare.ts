import { ensureOpenClaw } from "./install";

// `tsx tests/support/openclaw/prepare.ts`: installs the gateway into its cache
// ahead of the gateway suite, so the download overlaps with the suites that
// need the CPU (lint, typecheck, build). The suite's own global setup finds it
// installed (or waits on the same install lock) and goes straight to starting it.
await ensureOpenClaw((msg) => process.stdout.write(`${msg}\n`));
