import type { Command } from "../command";
import { createApiKey, revokeApiKey, setRateLimit } from "./api-keys";
import { addMember, makeOperator } from "./members";
import { createOrg, listOrgs, setFee, suspendOrg, unsuspendOrg } from "./orgs";
import { connectSandboxChannel, simulateInbound } from "./sandbox";
import { credit } from "./wallet";

/**
 * Every operator command, in the order `help` lists them. To add one, write it with
 * defineCommand (see lib/cli/command.ts) in a file here and add it to this list.
 */
export const commands: Command[] = [
  createOrg,
  listOrgs,
  addMember,
  createApiKey,
  revokeApiKey,
  setRateLimit,
  credit,
  setFee,
  suspendOrg,
  unsuspendOrg,
  makeOperator,
  connectSandboxChannel,
  simulateInbound,
];
