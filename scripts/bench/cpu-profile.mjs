// Preloaded with NODE_OPTIONS=--import by `npm run bench:webhook -- --profile`: records a V8 CPU
// profile of each node process of the app and writes it to $CPU_PROFILE_DIR when the process exits.
import inspector from "node:inspector";
import fs from "node:fs";
import path from "node:path";
const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post("Profiler.stop", (err, res) => {
      if (err || !res) return;
      fs.mkdirSync(dir, { recursive: true });
      const name = (process.argv[2] || process.argv[1] || "node").replace(/[^a-z0-9]+/gi, "_").slice(-40);
      fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  process.on("exit", write);
  process.on("SIGTERM", () => {
    write();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
