import { Badge } from "@/components/ui";

const TONES = {
  draft: "neutral",
  scheduled: "accent",
  running: "accent",
  paused: "warning",
  completed: "success",
  cancelled: "neutral",
} as const;

export function CampaignStatusBadge({ status }: { status: keyof typeof TONES }) {
  return <Badge tone={TONES[status] ?? "neutral"}>{status}</Badge>;
}
