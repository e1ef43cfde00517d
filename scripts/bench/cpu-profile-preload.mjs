// Loaded with NODE_OPTIONS="--import ./scripts/bench/cpu-profile-preload.mjs" by `bench:send --profile`
// (--cpu-prof itself is not allowed in NODE_OPTIONS). SIGUSR2 starts a V8 CPU profile; the next
// SIGUSR2 stops it and writes <dir>/<pid>-<n>.cpuprofile.
import { Session } from "node:inspector";
import { writeFileSync, mkdirSync } from "node:fs";

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.enable", () => session.post("Profiler.start"));
      return;
    }
    running = false;
    session.post("Profiler.stop", (err, res) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/${process.pid}-${++n}.cpuprofile`, JSON.stringify(res.profile));
    });
  });
}
