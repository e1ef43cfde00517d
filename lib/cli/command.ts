import { z } from "zod";
import type { Db } from "../db/tx";
import { roleSchema } from "../orgs/organizations";

// The shape of an operator command. A command declares its flags as one zod object: each key
// (camelCase) is a `--kebab-case` flag, `.meta({ description, placeholder })` is its help, and
// `.optional()` makes it optional. The runner derives parsing, validation and usage from it,
// so adding a command is one object in lib/cli/commands/ plus a line in the table.

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the operator can act on. exitCode 2 means the arguments were wrong, 1 that the operation failed. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: 1 | 2 = EXIT.failure,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError("usage", message, EXIT.usage);
}

export interface CommandResult {
  /** What --json prints. */
  json: unknown;
  /** What is printed otherwise, one entry per line. */
  text: string[];
}

export interface CommandContext {
  /**
   * Runs fn in one service-role transaction (connecting on first use). Do all of a command's
   * reads and writes in one call, and throw to roll back, so a failure writes nothing.
   */
  service<T>(fn: (db: Db) => Promise<T>): Promise<T>;
}

export interface Command<S extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  flags: S;
  examples?: string[];
  run(args: z.output<S>, ctx: CommandContext): Promise<CommandResult>;
}

/** Keeps the flag types of one command while letting the table hold commands of every shape. */
export function defineCommand<S extends z.ZodObject>(command: Command<S>): Command {
  return command as unknown as Command;
}

export interface FlagMeta {
  description: string;
  /** Shown in usage as --flag <placeholder>. */
  placeholder?: string;
}

declare module "zod" {
  interface GlobalMeta {
    placeholder?: string;
  }
}

// ---- Argument types shared by commands. Messages complete "--flag: ...".

export const uuidFlag = (description: string) =>
  // Any 8-4-4-4-12 hex id, exactly what Postgres' uuid type accepts.
  z.guid("must be a UUID like 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e").meta({ description, placeholder: "uuid" });

export const emailFlag = (description: string) =>
  z
    .string()
    .trim()
    .pipe(z.email("must be an email address"))
    .transform((e) => e.toLowerCase())
    .meta({ description, placeholder: "email" });

export const passwordFlag = (description: string) =>
  z
    .string()
    .min(8, "must be at least 8 characters")
    .max(256, "must be at most 256 characters")
    .meta({ description, placeholder: "password" });

export const roleFlag = (description: string) =>
  z.enum(roleSchema.options, "must be one of owner, admin, agent").meta({ description, placeholder: "owner|admin|agent" });

/** A whole number of paise, written as digits (with an optional minus sign); never a float. */
export const paiseFlag = (description: string, opts: { allowNegative?: boolean; allowZero?: boolean } = {}) =>
  z
    .string()
    .regex(opts.allowNegative ? /^-?\d+$/ : /^\d+$/, `must be a whole number of paise${opts.allowNegative ? "" : " (0 or more)"}, e.g. 50000 for ₹500.00`)
    .transform(Number)
    .pipe(
      z
        .number()
        .refine(Number.isSafeInteger, "is too large")
        .refine((n) => opts.allowZero !== false || n !== 0, "must not be zero"),
    )
    .meta({ description, placeholder: "paise" });

export const textFlag = (description: string, max: number, placeholder = "text") =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .meta({ description, placeholder });

// ---- Reading a flags schema.

export interface FlagSpec extends FlagMeta {
  key: string;
  flag: string;
  boolean: boolean;
  optional: boolean;
}

type AnyField = z.ZodType & { def: { type: string; innerType?: AnyField; in?: AnyField } };

/** The field itself, then what it wraps (optional, default) or pipes from, outermost first. */
function layers(field: AnyField): AnyField[] {
  const all: AnyField[] = [];
  for (let f: AnyField | undefined = field; f; f = f.def.innerType ?? f.def.in) all.push(f);
  return all;
}

export const toFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function flagSpecs(schema: z.ZodObject): FlagSpec[] {
  return Object.entries(schema.shape).map(([key, raw]) => {
    const field = raw as AnyField;
    const all = layers(field);
    const meta = (all.map((f) => f.meta()).find(Boolean) ?? {}) as Partial<FlagMeta>;
    return {
      key,
      flag: toFlag(key),
      boolean: all.some((f) => f.def.type === "boolean"),
      optional: field.isOptional(),
      description: meta.description ?? "",
      placeholder: meta.placeholder,
    };
  });
}
