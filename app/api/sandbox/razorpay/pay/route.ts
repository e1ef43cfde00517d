import { requireOrgUser } from "@/lib/auth/caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { requireSandboxRazorpay, sandboxPay, sandboxPaySchema } from "@/lib/sandbox/razorpay-checkout";

// POST /api/sandbox/razorpay/pay {order_id, outcome} — the sandbox checkout's "Pay" / "Fail" buttons.
// 404 unless recharges run in sandbox mode.
export const POST = handler(async (req) => {
  const settings = requireSandboxRazorpay();
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const input = sandboxPaySchema.parse(await readJson(req));
  return Response.json(await sandboxPay(settings, caller.orgId, input));
});
