"use client";

import { useState } from "react";
import { Button } from "@/components/ui";
import { api } from "@/components/settings/api";

interface FbLoginResponse {
  authResponse?: { code?: string } | null;
}
interface FbSdk {
  init(opts: { appId: string; autoLogAppEvents: boolean; xfbml: boolean; version: string }): void;
  login(cb: (r: FbLoginResponse) => void, opts: Record<string, unknown>): void;
}
declare global {
  interface Window {
    FB?: FbSdk;
  }
}

function loadSdk(appId: string, version: string): Promise<FbSdk> {
  if (window.FB) return Promise.resolve(window.FB);
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "https://connect.facebook.net/en_US/sdk.js";
    s.async = true;
    s.onload = () => {
      if (!window.FB) return reject(new Error("Meta's SDK did not load"));
      window.FB.init({ appId, autoLogAppEvents: true, xfbml: false, version });
      resolve(window.FB);
    };
    s.onerror = () => reject(new Error("Could not load Meta's SDK (check your connection or content blocker)"));
    document.body.appendChild(s);
  });
}

/**
 * Meta Embedded Signup (live mode): the popup returns a code through FB.login and the WABA and
 * phone number ids through a WA_EMBEDDED_SIGNUP window message; the server does the rest
 * (token exchange, app subscription, number registration).
 */
export function EmbeddedSignupButton({ appId, configId, version, onConnected }: { appId: string; configId: string; version: string; onConnected: () => void }) {
  const [state, setState] = useState<{ busy: boolean; message?: string; ok?: boolean }>({ busy: false });

  async function start() {
    setState({ busy: true, message: "Opening Meta's signup…" });
    try {
      const fb = await loadSdk(appId, version);
      let session: { waba_id?: string; phone_number_id?: string } = {};
      const onMessage = (event: MessageEvent) => {
        if (!/facebook\.com$/.test(new URL(event.origin).hostname)) return;
        try {
          const data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
          if (data?.type === "WA_EMBEDDED_SIGNUP" && data.data) session = data.data;
        } catch {
          /* other messages from the SDK are not JSON */
        }
      };
      window.addEventListener("message", onMessage);
      fb.login(
        (r) => {
          window.removeEventListener("message", onMessage);
          const code = r.authResponse?.code;
          if (!code || !session.waba_id || !session.phone_number_id) {
            setState({ busy: false, ok: false, message: "Signup was cancelled or did not finish. Nothing was connected." });
            return;
          }
          void api("/api/channels/embedded-signup", {
            method: "POST",
            body: { code, waba_id: session.waba_id, phone_number_id: session.phone_number_id },
          })
            .then(() => {
              setState({ busy: false, ok: true, message: "Your WhatsApp number is connected." });
              onConnected();
            })
            .catch((err: Error) => setState({ busy: false, ok: false, message: err.message }));
        },
        { config_id: configId, response_type: "code", override_default_response_type: true, extras: { setup: {}, sessionInfoVersion: "3" } },
      );
    } catch (err) {
      setState({ busy: false, ok: false, message: (err as Error).message });
    }
  }

  return (
    <div className="space-y-2">
      <Button onClick={start} disabled={state.busy}>
        {state.busy ? "Connecting…" : "Connect with Facebook"}
      </Button>
      {state.message ? (
        <p role="status" className={`text-sm ${state.ok === false ? "text-danger" : state.ok ? "text-success" : "text-muted"}`}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
