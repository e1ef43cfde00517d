"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { Brand } from "@/components/brand";
import { ThemeToggle } from "@/components/theme-toggle";
import { cx } from "@/components/ui";
import { NavIcon, type NavIconName } from "./nav-icons";
import { OrgSwitcher, type OrgOption } from "./org-switcher";
import { SignOutButton } from "./sign-out-button";

interface NavItem {
  href: string;
  label: string;
  icon: NavIconName;
}

const NAV: NavItem[] = [
  { href: "/dashboard", label: "Home", icon: "home" },
  { href: "/inbox", label: "Inbox", icon: "inbox" },
  { href: "/contacts", label: "Contacts", icon: "contacts" },
  { href: "/wallet", label: "Wallet", icon: "wallet" },
  { href: "/channels", label: "Channels", icon: "channels" },
  { href: "/templates", label: "Templates", icon: "templates" },
  { href: "/campaigns", label: "Campaigns", icon: "campaigns" },
  { href: "/automations", label: "Automations", icon: "automations" },
  { href: "/analytics", label: "Analytics", icon: "analytics" },
  { href: "/services", label: "My services", icon: "services" },
  { href: "/settings", label: "Settings", icon: "settings" },
];
const OPERATOR: NavItem = { href: "/operator", label: "Operator", icon: "operator" };

export interface AppShellProps {
  user: { email: string | null; isPlatformAdmin: boolean };
  org: (OrgOption & { suspended: boolean }) | null;
  orgs: OrgOption[];
  sandboxNotice: string | null;
  children: React.ReactNode;
}

/**
 * The signed-in app's frame: a sidebar on wide screens, a top bar with a menu on phones.
 * Pages render inside it (app/(app)/**); it knows nothing about any one page.
 */
export function AppShell({ user, org, orgs, sandboxNotice, children }: AppShellProps) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const items = user.isPlatformAdmin ? [...NAV, OPERATOR] : NAV;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  const sidebar = (
    <div className="flex h-full flex-col">
      <div className="flex items-center justify-between px-4 py-4">
        <Brand />
        <button
          type="button"
          onClick={() => setOpen(false)}
          className="inline-flex h-9 w-9 items-center justify-center rounded-lg text-muted hover:bg-surface-2 md:hidden"
          aria-label="Close menu"
        >
          <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
            <path d="M6 6l12 12M18 6 6 18" strokeLinecap="round" />
          </svg>
        </button>
      </div>
      <div className="px-4 pb-4">
        <OrgSwitcher current={org} orgs={orgs} />
      </div>
      <nav aria-label="Main" className="flex-1 overflow-y-auto px-2">
        <ul className="space-y-0.5">
          {items.map((item) => {
            const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
            return (
              <li key={item.href}>
                <Link
                  href={item.href}
                  onClick={() => setOpen(false)}
                  aria-current={active ? "page" : undefined}
                  className={cx(
                    "flex items-center gap-3 rounded-lg px-3 py-2 text-sm transition-colors",
                    active ? "bg-accent/15 font-medium text-accent" : "text-text hover:bg-surface-2",
                  )}
                >
                  <NavIcon name={item.icon} />
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="border-t border-border px-2 py-3">
        {user.email ? (
          <p className="truncate px-3 pb-2 text-xs text-muted" title={user.email}>
            {user.email}
          </p>
        ) : null}
        <div className="flex items-center justify-between">
          <SignOutButton />
          <ThemeToggle />
        </div>
      </div>
    </div>
  );

  return (
    <div className="min-h-screen md:flex">
      <header className="sticky top-0 z-30 flex items-center gap-3 border-b border-border bg-surface px-3 py-2 md:hidden">
        <button
          type="button"
          onClick={() => setOpen(true)}
          aria-expanded={open}
          aria-controls="mobile-menu"
          aria-label="Open menu"
          className="inline-flex h-10 w-10 items-center justify-center rounded-lg text-text hover:bg-surface-2"
        >
          <svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
            <path d="M4 7h16M4 12h16M4 17h16" strokeLinecap="round" />
          </svg>
        </button>
        <Brand compact />
        <p className="min-w-0 flex-1 truncate text-sm font-medium">{org?.name ?? "WA Platform"}</p>
        <ThemeToggle />
      </header>

      {open ? (
        <div className="fixed inset-0 z-40 md:hidden" id="mobile-menu" role="dialog" aria-modal="true" aria-label="Menu">
          <button type="button" aria-label="Close menu" className="absolute inset-0 bg-black/50" onClick={() => setOpen(false)} />
          <aside className="absolute inset-y-0 left-0 w-72 max-w-[85%] border-r border-border bg-surface shadow-xl">{sidebar}</aside>
        </div>
      ) : null}

      {/* The column runs the page's full height; the sidebar inside it stays put while the page scrolls. */}
      <aside className="hidden border-r border-border bg-surface md:block md:w-64 md:shrink-0">
        <div className="sticky top-0 h-screen">{sidebar}</div>
      </aside>

      <div className="min-w-0 flex-1">
        {sandboxNotice ? (
          <div role="status" className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-warning/30 bg-warning/10 px-4 py-2 text-sm sm:px-6 lg:px-8">
            <span className="rounded-full bg-warning/20 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-warning">
              Sandbox mode
            </span>
            <span className="text-text">{sandboxNotice}</span>
          </div>
        ) : null}
        {org?.suspended ? (
          <div role="alert" className="border-b border-danger/30 bg-danger/10 px-4 py-2 text-sm text-danger sm:px-6 lg:px-8">
            This organization is suspended: sending and recharging are paused. Contact the platform operator.
          </div>
        ) : null}
        <main id="main" className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}
