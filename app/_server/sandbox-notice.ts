import "server-only";
import { env, razorpayLive, sandboxEnabled } from "@/lib/config/env";

/**
 * What the "Sandbox mode" banner says, or null when nothing runs in sandbox. The banner shows
 * whenever sandbox features are on and WhatsApp or payments are not live, so nobody mistakes a
 * simulated message or recharge for a real one.
 */
export function sandboxNotice(): string | null {
  if (!sandboxEnabled()) return null;
  const e = env();
  const whatsapp = e.WHATSAPP_MODE === "sandbox";
  const payments = !razorpayLive(e);
  if (whatsapp && payments) return "WhatsApp messages and wallet recharges are simulated. No real messages are sent and no money moves.";
  if (whatsapp) return "WhatsApp messages are simulated. No real messages are sent.";
  if (payments) return "Wallet recharges use a simulated checkout. No money moves.";
  return null;
}
