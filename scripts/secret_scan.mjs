// The suite's secret scan: every secret a test registered (secrets.list, one JSON string a
// line) is looked for in every file the tests captured (server and agent logs, job logs,
// report bodies). Prints each find as "<secret label> in <file>" and exits 1 when there is one.
//
//   node scripts/secret_scan.mjs .tmp/test-logs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? ".tmp/test-logs";
const listFile = join(dir, "secrets.list");
if (!existsSync(listFile)) {
  console.log("secret scan: no secrets were registered");
  process.exit(0);
}
const secrets = [
  ...new Set(readFileSync(listFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))),
];
const files = readdirSync(dir).filter((f) => f.endsWith(".log"));
const finds = [];
let bytes = 0;
for (const f of files) {
  const text = readFileSync(join(dir, f), "utf8");
  bytes += text.length;
  for (const s of secrets) {
    if (text.includes(s) || text.includes(encodeURIComponent(s))) {
      finds.push(`${s.replace(/-[0-9a-f]{24}$/, "-…")} in ${f}`);
    }
  }
}
console.log(
  `secret scan: ${secrets.length} secrets looked for in ${files.length} files (${
    Math.round(bytes / 1024)
  } KiB)`,
);
for (const f of finds) console.log(`  FOUND ${f}`);
process.exit(finds.length === 0 ? 0 : 1);
