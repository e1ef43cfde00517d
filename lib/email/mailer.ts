import nodemailer, { type Transporter } from "nodemailer";
import { env } from "../config/env";
import { logger } from "../log";

const log = logger.child({ component: "email" });

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

let cached: { url: string; transport: Transporter } | undefined;

function transport(url: string): Transporter {
  if (cached?.url !== url) {
    // Bounded waits: a hung mail server must not hold the sweep (and its row locks) for long.
    cached = {
      url,
      transport: nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }),
    };
  }
  return cached.transport;
}

/**
 * Sends a plain-text email through SMTP_URL (any nodemailer SMTP URL, e.g.
 * smtps://user:pass@smtp.example.com). Without SMTP_URL the email is logged instead, so local runs
 * and sandboxes show what would have gone out. Throws when the server refuses.
 */
export async function sendMail(mail: Mail): Promise<"sent" | "logged"> {
  const e = env();
  if (!e.SMTP_URL) {
    log.info({ to: mail.to, subject: mail.subject, text: mail.text }, "email not sent (SMTP_URL is not set)");
    return "logged";
  }
  await transport(e.SMTP_URL).sendMail({ from: e.EMAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text });
  return "sent";
}
