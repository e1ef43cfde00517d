import { inject } from "vitest";

// Every test process talks to the run's database and uses fixed, test-only secrets.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.AUTH_SECRET ??= "test-auth-secret-test-auth-secret-0123456789";
process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
process.env.META_APP_SECRET ??= "test-meta-app-secret";
process.env.META_VERIFY_TOKEN ??= "test-verify-token";
process.env.WHATSAPP_MODE ??= "sandbox";
process.env.LOG_LEVEL ??= "silent";
