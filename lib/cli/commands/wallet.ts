import { randomUUID } from "node:crypto";
import { z } from "zod";
import { formatPaise } from "../../money/format";
import { credit as creditWallet, references } from "../../wallet/wallet";
import { CliError, defineCommand, paiseFlag, textFlag, uuidFlag } from "../command";
import { requireOrganization } from "./shared";

export const credit = defineCommand({
  name: "credit",
  summary: "Adjust an organization's wallet by hand (negative takes money back, never below zero)",
  flags: z.object({
    org: uuidFlag("The organization's id"),
    amountPaise: paiseFlag("Amount in paise: 50000 adds ₹500.00, -2000 takes back ₹20.00", {
      allowNegative: true,
      allowZero: false,
    }),
    reason: textFlag("Why, kept on the ledger entry", 500, "reason"),
  }),
  examples: [
    'credit --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --amount-paise 50000 --reason "Goodwill credit"',
    'credit --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --amount-paise -2000 --reason "Reverse duplicate credit"',
  ],
  async run(args, ctx) {
    const reference = references.adjustment(randomUUID());
    // The checks run inside the transaction, so a refusal rolls back (the SQL function writes nothing then anyway).
    const { org, result } = await ctx.service(async (db) => {
      const org = await requireOrganization(db, args.org);
      const result = await creditWallet(db, {
        orgId: org.id,
        amountPaise: args.amountPaise,
        reference,
        kind: "adjustment",
        description: args.reason,
      });
      if (result.status === "insufficient_funds") {
        throw new CliError(
          "insufficient_funds",
          `Refused: taking back ${formatPaise(-args.amountPaise)} would leave "${org.name}" below zero ` +
            `(balance ${formatPaise(result.balancePaise ?? 0)}). Nothing was changed.`,
        );
      }
      if (result.status !== "applied") {
        throw new CliError(`wallet_${result.status}`, `The wallet refused the adjustment (${result.status}). Nothing was changed.`);
      }
      return { org, result };
    });
    const balance = result.balancePaise ?? 0;
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
        `${args.amountPaise > 0 ? "Credited" : "Debited"} ${formatPaise(Math.abs(args.amountPaise))} ` +
          `${args.amountPaise > 0 ? "to" : "from"} "${org.name}" (ledger ${result.transactionId}, ${reference}).`,
        `Balance now ${formatPaise(balance)} (${balance} paise).`,
      ],
    };
  },
});
