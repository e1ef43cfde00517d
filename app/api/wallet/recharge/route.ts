import { requireOrgUser } from "@/lib/auth/caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { rechargeSchema, startRecharge } from "@/lib/payments/recharge";

// POST /api/wallet/recharge {amount_paise} — owners and admins open a Razorpay order to pay.
export const POST = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { amount_paise } = rechargeSchema().parse(await readJson(req));
  const started = await startRecharge({ orgId: caller.orgId, userId: caller.userId, amountPaise: amount_paise });
  return Response.json(started, { status: 201 });
});
