import type { Metadata, Viewport } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "WA Platform", template: "%s · WA Platform" },
  description: "WhatsApp Business messaging for your organization: prepaid wallet, inbox, API.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#111b21" };

// The theme is chosen before paint from localStorage (set by the theme toggle) to avoid a flash.
const themeScript = `try{var t=localStorage.getItem("theme");if(t==="light")document.documentElement.dataset.theme="light"}catch(e){}`;

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-bg font-sans text-text antialiased">{children}</body>
    </html>
  );
}
