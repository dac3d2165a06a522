import { describe, expect, it } from "vitest";
import { readRepoFile, repoPath, sourceFiles } from "#tests/support/source-files";

// docs/SECURITY.md: never a shell string — execFile/spawn with argument arrays, and
// no code built from strings at run time. This scans every source file under
// app/, server/ and scripts/ and names each offending file:line.

const DIRS = ["app", "server", "scripts"];
const SELF = repoPath(import.meta.filename);

/**
 * Reviewed exceptions, by file and the exact offending line (trimmed). Each one
 * must still exist (the test fails on a stale entry), so fixing the code also
 * means removing it here.
 */
// Reviewed exceptions (file, exact line, rule, why). Keep this empty unless a
// shell is truly needed; an entry that no longer matches fails the test.
const KNOWN: Array<{ file: string; line: string; rule: string; why: string }> = [];

export interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

/** Blanks comments (keeping line breaks and string contents) so prose mentioning `eval(` does not count. */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (quote) {
      out += c;
      if (c === "\\") {
        out += next ?? "";
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const CHILD_PROCESS = /(?:from\s*|require\(\s*)["'](?:node:)?child_process["']/;

/** Local names bound to child_process's exec/execSync, and namespace names for the module. */
function childProcessBindings(code: string): { direct: string[]; namespaces: string[] } {
  const direct: string[] = [];
  const namespaces: string[] = [];
  const importRe =
    /import\s+([^;]*?)\s+from\s*["'](?:node:)?child_process["']|(?:const|let|var)\s+([^=;]+?)\s*=\s*require\(\s*["'](?:node:)?child_process["']\s*\)/g;
  for (const match of code.matchAll(importRe)) {
    const clause = (match[1] ?? match[2] ?? "").trim();
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) {
      for (const spec of braces[1]!.split(",")) {
        const [imported, local] = spec
          .replace(/^\s*type\s+/, "")
          .split(/\s+as\s+|\s*:\s*/)
          .map((s) => s.trim());
        if (imported === "exec" || imported === "execSync") direct.push(local || imported);
      }
    }
    const star = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(clause);
    if (star) namespaces.push(star[1]!);
    const plain = /^([A-Za-z_$][\w$]*)\s*(?:,|$)/.exec(clause);
    if (plain) namespaces.push(plain[1]!);
  }
  return { direct, namespaces };
}

const escape = (s: string) => s.replace(/[$]/g, "\\$");

/** Every shell-string or string-to-code construct in one file's source. */
export function scanSource(file: string, source: string): Finding[] {
  const code = stripComments(source);
  const rules: Array<[string, RegExp]> = [
    ["shell: true", /\bshell\s*:\s*(?:true|["'`][^"'`]+["'`])/],
    ["spawn with a command string", /\b(?:spawn|spawnSync|execFile|execFileSync)\s*\(\s*(["'`])[^"'`]*\s[^"'`]*\1\s*[,)]/],
    [
      "shell -c",
      /\b(?:spawn|spawnSync|execFile|execFileSync)\s*\(\s*["'`](?:[\w/]*\/)?(?:sh|bash|zsh|dash|cmd(?:\.exe)?|powershell(?:\.exe)?)["'`]\s*,\s*\[\s*["'`](?:-c|\/c|-Command)["'`]/,
    ],
    ["eval(", /(?<![.\w$])eval\s*\(/],
    ["new Function(", /\bnew\s+Function\s*\(/],
  ];
  if (CHILD_PROCESS.test(code)) {
    const { direct, namespaces } = childProcessBindings(code);
    for (const name of direct) rules.push([`child_process ${name}(`, new RegExp(`(?<![.\\w$])${escape(name)}\\s*\\(`)]);
    for (const ns of namespaces) rules.push([`child_process ${ns}.exec(`, new RegExp(`(?<![.\\w$])${escape(ns)}\\s*\\.\\s*exec(?:Sync)?\\s*\\(`)]);
  }
  const findings: Finding[] = [];
  const codeLines = code.split("\n");
  const sourceLines = source.split("\n");
  codeLines.forEach((text, index) => {
    for (const [rule, pattern] of rules) {
      if (pattern.test(text)) findings.push({ file, line: index + 1, rule, text: sourceLines[index]!.trim() });
    }
  });
  return findings;
}

describe("no shell strings", () => {
  it("catches each forbidden construct and ignores the allowed ones", () => {
    // Built from pieces so this file's own source holds none of them.
    const cp = `import { ${"ex"}ec, execFile } from "node:child_process";\n`;
    const bad = [
      `${cp}${"ex"}ec("ls -la " + dir);`,
      `import { ${"ex"}ecSync as run } from "child_process";\nrun("git status");`,
      `import * as cp from "node:child_process";\ncp.${"ex"}ec("rm -rf x");`,
      `const cp = require("child_process");\ncp.${"ex"}ecSync("whoami");`,
      `spawn("ls", ["-la"], { ${"shell"}: true });`,
      `spawn("ls -la /tmp");`,
      `spawnSync(\`git log \${ref}\`, { stdio: "inherit" });`,
      `spawnSync("sh", ["${"-c"}", "a && b"]);`,
      `${"ev"}al(code);`,
      `const f = new ${"Func"}tion("a", "return a");`,
    ];
    for (const snippet of bad) expect(scanSource("x.ts", snippet).length, snippet).toBeGreaterThan(0);
    const good = [
      `${cp}execFile("xdg-open", [file], { timeout: 5000 });`,
      `spawn(process.execPath, ["server.js"], { stdio: "inherit" });`,
      `const m = /a(b)/.${"ex"}ec(text);`,
      `const m = pattern.${"ex"}ec("some text with spaces");`,
      `// never ${"ev"}al( anything, never ${"shell"}: true\nconst x = 1;`,
      `const url = "http://example.com"; /* ${"ev"}al( */ run();`,
    ];
    for (const snippet of good) expect(scanSource("x.ts", snippet), snippet).toEqual([]);
  });

  it("finds none in app/, server/ and scripts/ beyond the reviewed exceptions", () => {
    const files = sourceFiles(DIRS);
    expect(files.length).toBeGreaterThan(20);
    const findings = files.filter((file) => file !== SELF).flatMap((file) => scanSource(file, readRepoFile(file)));
    const unexpected = findings.filter((f) => !KNOWN.some((k) => k.file === f.file && k.line === f.text && k.rule === f.rule));
    expect(unexpected.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`)).toEqual([]);
    const stale = KNOWN.filter((k) => !findings.some((f) => k.file === f.file && k.line === f.text && k.rule === f.rule));
    expect(
      stale.map((k) => `${k.file}: ${k.line}`),
      "a reviewed exception no longer occurs: remove it from KNOWN",
    ).toEqual([]);
  });
});
