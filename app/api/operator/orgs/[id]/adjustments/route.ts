import { z } from "zod";
import { requirePlatformAdmin } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { ApiError, readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { adjustBalance, adjustmentSchema } from "@/lib/operator/operator";

export const POST = handler<{ id: string }>(async (req, ctx) => {
  const admin = await requirePlatformAdmin(req);
  const id = z.string().uuid().safeParse((await ctx.params).id);
  if (!id.success) throw new ApiError(404, "not_found", "No such organization.");
  const body = adjustmentSchema.parse(await readJson(req));
  const result = await withService((db) =>
    adjustBalance(db, { orgId: id.data, amountPaise: body.amount_paise, reason: body.reason, actorUserId: admin.userId }),
  );
  return Response.json({ transaction_id: result.transactionId, balance_paise: result.balancePaise }, { status: 201 });
});
