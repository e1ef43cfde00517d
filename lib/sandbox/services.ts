import { startRazorpaySandboxForApp } from "./razorpay-server";

// The sandbox integrations the launcher starts in sandbox mode (Graph API, Razorpay checkout).
// Each returns the environment the app needs to reach it, and a stop function.
export interface SandboxServices {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSandboxServices(opts: { appUrl: string }): Promise<SandboxServices> {
  const razorpay = await startRazorpaySandboxForApp(opts.appUrl);
  return { env: { ...razorpay?.env }, stop: async () => void (await razorpay?.stop()) };
}
