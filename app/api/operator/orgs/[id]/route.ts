import { z } from "zod";
import { requirePlatformAdmin } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { ApiError, readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { feeSchema, setOrganizationStatus, setServiceFee } from "@/lib/operator/operator";

const patchSchema = z
  .object({ service_fee_paise: feeSchema.optional(), status: z.enum(["active", "suspended"]).optional() })
  .strict()
  .refine((b) => b.service_fee_paise !== undefined || b.status !== undefined, "Send service_fee_paise or status");

export const PATCH = handler<{ id: string }>(async (req, ctx) => {
  await requirePlatformAdmin(req);
  const id = z.string().uuid().safeParse((await ctx.params).id);
  if (!id.success) throw new ApiError(404, "not_found", "No such organization.");
  const body = patchSchema.parse(await readJson(req));
  await withService(async (db) => {
    if (body.service_fee_paise !== undefined) await setServiceFee(db, id.data, body.service_fee_paise);
    if (body.status) await setOrganizationStatus(db, id.data, body.status);
  });
  return Response.json({ id: id.data, ...body });
});
