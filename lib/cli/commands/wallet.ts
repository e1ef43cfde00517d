import { z } from "zod";
import { formatPaise } from "../../money/format";
import { adjustBalance, adjustmentSchema } from "../../operator/operator";
import { defineCommand, paiseFlag, uuidFlag } from "../command";
import { requireOrganization } from "./shared";

export const credit = defineCommand({
  name: "credit",
  summary: "Adjust an organization's wallet by hand (negative takes money back, never below zero)",
  // The same rules as the operator console's adjustments (lib/operator adjustmentSchema).
  flags: z.object({
    org: uuidFlag("The organization's id"),
    amountPaise: paiseFlag("Amount in paise: 50000 adds ₹500.00, -2000 takes back ₹20.00", { allowNegative: true }).pipe(
      adjustmentSchema.shape.amount_paise,
    ),
    reason: adjustmentSchema.shape.reason.meta({ description: "Why (3 to 200 characters), kept on the ledger entry", placeholder: "reason" }),
  }),
  examples: [
    'credit --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --amount-paise 50000 --reason "Goodwill credit"',
    'credit --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --amount-paise -2000 --reason "Reverse duplicate credit"',
  ],
  async run(args, ctx) {
    // adjustBalance writes through lib/wallet credit (kind adjustment, reference adj:<uuid>) and
    // refuses (insufficient_funds) rather than take the balance below zero; the transaction then rolls back.
    const { org, result, reference } = await ctx.service(async (db) => {
      const org = await requireOrganization(db, args.org);
      const result = await adjustBalance(db, { orgId: org.id, amountPaise: args.amountPaise, reason: args.reason });
      const { rows } = await db.query<{ reference: string }>("select reference from public.wallet_transactions where id = $1", [
        result.transactionId,
      ]);
      return { org, result, reference: rows[0].reference };
    });
    const balance = result.balancePaise ?? 0;
    const verb = args.amountPaise > 0 ? `Credited ${formatPaise(args.amountPaise)} to` : `Took ${formatPaise(-args.amountPaise)} back from`;
    return {
      json: {
        org_id: org.id,
        transaction_id: result.transactionId,
        reference,
        amount_paise: args.amountPaise,
        balance_paise: balance,
        balance: formatPaise(balance),
        crossed_low_balance: result.crossedLowBalance,
      },
      text: [
        `${verb} "${org.name}" (ledger entry ${result.transactionId}, ${reference}).`,
        `Balance now ${formatPaise(balance)} (${balance} paise).`,
      ],
    };
  },
});
