import pino from "pino";

// Structured logs. Known secret-bearing fields are redacted wherever they appear.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: {
    paths: [
      "password",
      "*.password",
      "token",
      "*.token",
      "access_token",
      "*.access_token",
      "accessToken",
      "*.accessToken",
      "secret",
      "*.secret",
      "authorization",
      "*.authorization",
      "headers.cookie",
      "*.headers.cookie",
      "apiKey",
      "*.apiKey",
    ],
    censor: "[redacted]",
  },
});
