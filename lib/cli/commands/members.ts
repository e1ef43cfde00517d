import { z } from "zod";
import { findUserByEmail } from "../../auth/users";
import { grantOperator } from "../../operator/operator";
import { addMember as addMembership, listMemberships } from "../../orgs/organizations";
import { CliError, defineCommand, emailFlag, passwordFlag, roleFlag, uuidFlag } from "../command";
import { describeUser, findOrCreateUser, requireOrganization, userJson } from "./shared";

export const addMember = defineCommand({
  name: "add-member",
  summary: "Add a user to an organization with a role (the user is created if new)",
  flags: z.object({
    org: uuidFlag("The organization's id"),
    email: emailFlag("The member's email. An existing user keeps their password"),
    password: passwordFlag("Password for a new user (at least 8 characters; ignored for an existing user)").optional(),
    role: roleFlag("The member's role"),
  }),
  examples: ["add-member --org 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --email agent@acme.in --password 'a long secret' --role agent"],
  async run(args, ctx) {
    const { org, user, previousRole } = await ctx.service(async (db) => {
      const org = await requireOrganization(db, args.org);
      const user = await findOrCreateUser(db, args.email, args.password, "--password");
      const previousRole = (await listMemberships(db, user.id)).find((m) => m.org_id === org.id)?.role ?? null;
      await addMembership(db, { orgId: org.id, userId: user.id, role: args.role });
      return { org, user, previousRole };
    });
    const membership =
      previousRole === null
        ? `Added to "${org.name}" as ${args.role}.`
        : previousRole === args.role
          ? `Already a member of "${org.name}" as ${args.role}; nothing changed.`
          : `Role in "${org.name}" changed from ${previousRole} to ${args.role}.`;
    return {
      json: { org_id: org.id, user: userJson(user), role: args.role, previous_role: previousRole },
      text: [describeUser(user, args.password !== undefined), membership],
    };
  },
});

export const makeOperator = defineCommand({
  name: "make-operator",
  summary: "Make a user a platform operator (super admin); creates the user if a password is given",
  flags: z.object({
    email: emailFlag("The user's email"),
    password: passwordFlag("Password, only to create a user who does not exist yet").optional(),
  }),
  async run(args, ctx) {
    const { user, granted } = await ctx.service(async (db) => {
      const user = args.password
        ? await findOrCreateUser(db, args.email, args.password, "--password")
        : await findUserByEmail(db, args.email).then((u) => u && { id: u.id, email: u.email, created: false });
      if (!user) {
        throw new CliError("user_not_found", `No user with email ${args.email}. Give --password to create one.`);
      }
      return { user, granted: await grantOperator(db, user.id) };
    });
    return {
      json: { user: userJson(user), operator: true, changed: granted },
      text: [
        ...(user.created ? [describeUser(user, true)] : []),
        granted ? `${user.email} is now a platform operator.` : `${user.email} was already a platform operator; nothing changed.`,
      ],
    };
  },
});
