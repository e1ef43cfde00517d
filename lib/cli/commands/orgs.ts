import { z } from "zod";
import { formatPaise } from "../../money/format";
import { feeSchema, listOrganizations, setOrganizationStatus, setServiceFee } from "../../operator/operator";
import { createOrganization, organizationNameSchema } from "../../orgs/organizations";
import { defineCommand, emailFlag, paiseFlag, passwordFlag, uuidFlag } from "../command";
import { table } from "../format";
import { describeUser, findOrCreateUser, requireOrganization, userJson } from "./shared";

export const createOrg = defineCommand({
  name: "create-org",
  summary: "Create an organization and its owner (the owner's user is created if new)",
  flags: z.object({
    name: organizationNameSchema.meta({ description: "Organization name, 2 to 120 characters", placeholder: "name" }),
    ownerEmail: emailFlag("The owner's email. An existing user becomes the owner and keeps their password"),
    ownerPassword: passwordFlag("Password for a new owner (at least 8 characters; ignored for an existing user)").optional(),
  }),
  examples: ['create-org --name "Acme Traders" --owner-email owner@acme.in --owner-password "a long secret"'],
  async run(args, ctx) {
    const { org, owner } = await ctx.service(async (db) => {
      const owner = await findOrCreateUser(db, args.ownerEmail, args.ownerPassword, "--owner-password");
      const org = await createOrganization(db, { name: args.name, ownerUserId: owner.id });
      return { org, owner };
    });
    return {
      json: {
        organization: {
          id: org.id,
          name: org.name,
          status: org.status,
          service_fee_paise: org.service_fee_paise,
          balance_paise: 0,
          created_at: org.created_at,
        },
        owner: userJson(owner),
      },
      text: [
        `Created organization "${org.name}" (${org.id}).`,
        `Owner ${describeUser(owner, args.ownerPassword !== undefined)}`,
        `Service fee ${formatPaise(org.service_fee_paise)} per message; wallet balance ${formatPaise(0)}.`,
      ],
    };
  },
});

export const listOrgs = defineCommand({
  name: "orgs",
  summary: "List every organization with its status, wallet balance and service fee",
  flags: z.object({}),
  async run(_args, ctx) {
    const orgs = await ctx.service(listOrganizations);
    return {
      json: { organizations: orgs.map((o) => ({ ...o, balance: formatPaise(o.balance_paise) })) },
      text: orgs.length
        ? table(
            ["ID", "NAME", "STATUS", "BALANCE_PAISE", "BALANCE", "FEE_PAISE"],
            orgs.map((o) => [o.id, o.name, o.status, String(o.balance_paise), formatPaise(o.balance_paise), String(o.service_fee_paise)]),
            { alignRight: [3, 4, 5] },
          )
        : ["No organizations yet. Create one with: npm run platform -- create-org --help"],
    };
  },
});

export const setFee = defineCommand({
  name: "set-fee",
  summary: "Set an organization's service fee per message, in paise",
  flags: z.object({
    org: uuidFlag("The organization's id"),
    // The same rule as the operator console's (lib/operator feeSchema).
    paise: paiseFlag("The new fee per message in paise (20 = ₹0.20), at most 100000").pipe(feeSchema as unknown as z.ZodType<number, number>),
  }),
  examples: ["set-fee --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --paise 25"],
  async run(args, ctx) {
    const org = await ctx.service(async (db) => {
      const org = await requireOrganization(db, args.org);
      await setServiceFee(db, org.id, args.paise);
      return org;
    });
    return {
      json: { org_id: org.id, name: org.name, previous_fee_paise: org.service_fee_paise, service_fee_paise: args.paise },
      text: [`Service fee for "${org.name}": ${formatPaise(org.service_fee_paise)} -> ${formatPaise(args.paise)} per message.`],
    };
  },
});

function statusCommand(name: string, status: "active" | "suspended", summary: string) {
  return defineCommand({
    name,
    summary,
    flags: z.object({ org: uuidFlag("The organization's id") }),
    async run(args, ctx) {
      const org = await ctx.service(async (db) => {
        const org = await requireOrganization(db, args.org);
        await setOrganizationStatus(db, org.id, status);
        return org;
      });
      const changed = org.status !== status;
      return {
        json: { org_id: org.id, name: org.name, previous_status: org.status, status, changed },
        text: [changed ? `"${org.name}" (${org.id}) is now ${status}.` : `"${org.name}" (${org.id}) was already ${status}; nothing changed.`],
      };
    },
  });
}

export const suspendOrg = statusCommand(
  "suspend-org",
  "suspended",
  "Suspend an organization (its API keys and sends stop working; data is kept)",
);
export const unsuspendOrg = statusCommand("unsuspend-org", "active", "Reactivate a suspended organization");
