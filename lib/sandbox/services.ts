import { join } from "node:path";
import { DATA_DIR } from "../runtime/local";
import { startSandboxGraphServer } from "./graph-server";
import { startRazorpaySandboxForApp } from "./razorpay-server";

// The sandbox integrations the launcher starts in sandbox mode (Graph API, Razorpay checkout).
// Each returns the environment the app needs to reach it, and a stop function.
export interface SandboxServices {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSandboxServices(opts: { appUrl: string }): Promise<SandboxServices> {
  const env: Record<string, string> = {};
  const stops: Array<() => Promise<void>> = [];

  // Sandbox Graph API: the app's live Graph client talks to it through GRAPH_API_URL, and it posts
  // signed status webhooks back to the app. SANDBOX_GRAPH_PORT pins its port (default: any free one).
  if ((process.env.WHATSAPP_MODE ?? "sandbox") === "sandbox") {
    const graph = await startSandboxGraphServer({
      port: Number(process.env.SANDBOX_GRAPH_PORT ?? 0),
      appWebhookUrl: process.env.SANDBOX_STATUS_WEBHOOKS === "false" ? null : `${opts.appUrl.replace(/\/$/, "")}/api/webhook`,
      appSecret: process.env.META_APP_SECRET ?? "sandbox-app-secret",
      // Templates created in the sandbox survive a restart (else the next sync would mark them DELETED).
      templatesFile: join(DATA_DIR, "sandbox-templates.json"),
    });
    env.GRAPH_API_URL = graph.url;
    stops.push(graph.stop);
  }

  // Sandbox Razorpay (only when live Razorpay keys are not configured).
  const razorpay = await startRazorpaySandboxForApp(opts.appUrl);
  if (razorpay) {
    Object.assign(env, razorpay.env);
    stops.push(razorpay.stop);
  }

  return { env, stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}
