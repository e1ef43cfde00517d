import { parseArgs } from "node:util";
import { z } from "zod";
import { closePools } from "../db/pool";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { applyLocalSecrets, ensureDatabase } from "../runtime/bootstrap";
import { CliError, EXIT, flagSpecs, toFlag, usageError, type Command, type CommandContext, type FlagSpec } from "./command";
import { commands as defaultCommands } from "./commands";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** An open database for the run; stop() releases it (and stops an embedded cluster this run started). */
export interface CliConnection {
  stop(): Promise<void>;
}

export interface CliOptions {
  commands?: Command[];
  /** How to reach the database; the default is lib/runtime/bootstrap (DATABASE_URL, the running embedded DB, or a new one). */
  connect?: () => Promise<CliConnection>;
}

const PROGRAM = "npm run platform --";

async function connectDefault(): Promise<CliConnection> {
  // The embedded default needs this machine's secrets; an explicit DATABASE_URL brings its own.
  if (!process.env.DATABASE_URL) await applyLocalSecrets();
  const db = await ensureDatabase();
  return {
    stop: async () => {
      await closePools();
      await db.stop();
    },
  };
}

/**
 * Runs one operator command and returns the process exit code: 0 done, 1 the operation failed,
 * 2 bad arguments. Arguments are fully validated before the database is touched, and every
 * command writes in one transaction, so any failure writes nothing. With --json, results go to
 * stdout and errors to stderr as {"error":{"code","message"}}.
 */
export async function runCli(argv: string[], io: CliIo, opts: CliOptions = {}): Promise<number> {
  const commands = opts.commands ?? defaultCommands;
  const json = argv.includes("--json");
  const out = (value: unknown, lines: string[]) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${lines.join("\n")}\n`);

  let connection: Promise<CliConnection> | undefined;
  const ctx: CommandContext = {
    async service(fn) {
      connection ??= (opts.connect ?? connectDefault)();
      await connection;
      return withService(fn);
    },
  };

  let command: Command | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--json") {
      throw usageError("No command given.");
    }
    if (name === "help" || name === "--help" || name === "-h") {
      const about = rest.find((a) => !a.startsWith("-"));
      const target = about === undefined ? undefined : findCommand(commands, about);
      out(target ? commandJson(target) : { commands: commands.map(commandJson) }, target ? commandUsage(target) : overview(commands));
      return EXIT.ok;
    }
    command = findCommand(commands, name);
    const values = parseFlags(command, rest);
    if (values.help) {
      out(commandJson(command), commandUsage(command));
      return EXIT.ok;
    }
    const args = validate(command, values);
    const result = await command.run(args, ctx);
    out(result.json, result.text);
    return EXIT.ok;
  } catch (err) {
    const e = toCliError(err);
    if (json) {
      io.stderr(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
    } else {
      const hint =
        e.exitCode === EXIT.usage
          ? command
            ? `\nUsage: ${usageLine(command)}\nMore: ${PROGRAM} help ${command.name}`
            : `\nRun \`${PROGRAM} help\` for the list of commands.`
          : "";
      io.stderr(`error: ${e.message}${hint}\n`);
    }
    return e.exitCode;
  } finally {
    if (connection) await connection.then((c) => c.stop()).catch(() => undefined);
  }
}

function findCommand(commands: Command[], name: string): Command {
  const command = commands.find((c) => c.name === name);
  if (!command) throw usageError(`Unknown command "${name}".`);
  return command;
}

function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  // A lib service refusing the operation (unknown organization, insufficient funds, ...).
  if (err instanceof ApiError) return new CliError(err.code, `${err.message} Nothing was changed.`);
  // A lib service's own zod check: still the operator's input.
  if (err instanceof z.ZodError) return usageError(err.issues.map((i) => i.message).join("; "));
  if (isParseArgsError(err)) return usageError(describeParseArgsError(err));
  return new CliError("internal_error", err instanceof Error ? err.message : String(err));
}

function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && String((err as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
}

/** Node's parseArgs messages, shortened to what the operator needs. */
function describeParseArgsError(err: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `Unknown flag ${option}.`;
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    if (/does not take an argument/.test(err.message)) return `${option} takes no value.`;
    if (/argument missing/.test(err.message)) return `${option} needs a value.`;
    return `${option} needs a value, not another flag (write ${option}=<value> for a value starting with "-").`;
  }
  return err.message;
}

// ---- Parsing and validation.

type FlagValues = Record<string, string | boolean | undefined>;

function parseFlags(command: Command, argv: string[]): FlagValues {
  const specs = flagSpecs(command.flags);
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  };
  for (const s of specs) options[s.flag] = { type: s.boolean ? "boolean" : "string" };
  const { values, positionals } = parseArgs({
    args: joinNegativeNumbers(argv, specs),
    options,
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) {
    throw usageError(`Unexpected argument "${positionals[0]}": every value goes after its --flag.`);
  }
  return values as FlagValues;
}

/** parseArgs reads `--amount-paise -500` as a missing value; treat a negative number after a value flag as its value. */
function joinNegativeNumbers(argv: string[], specs: FlagSpec[]): string[] {
  const valueFlags = new Set(specs.filter((s) => !s.boolean).map((s) => `--${s.flag}`));
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (valueFlags.has(argv[i]) && next !== undefined && /^-\d+$/.test(next)) {
      result.push(`${argv[i]}=${next}`);
      i++;
    } else {
      result.push(argv[i]);
    }
  }
  return result;
}

function validate(command: Command, values: FlagValues): Record<string, unknown> {
  const specs = flagSpecs(command.flags);
  const problems = specs.filter((s) => !s.optional && values[s.flag] === undefined).map((s) => `--${s.flag} is required`);
  const input = Object.fromEntries(specs.filter((s) => values[s.flag] !== undefined).map((s) => [s.key, values[s.flag]]));
  const parsed = command.flags.safeParse(input);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const key = i.path.length ? String(i.path[0]) : undefined;
      if (key !== undefined && input[key] === undefined) continue; // reported as required above
      problems.push(key !== undefined ? `--${toFlag(key)}: ${i.message}` : i.message);
    }
  }
  if (problems.length || !parsed.success) throw usageError(`${problems.join("; ")}.`);
  return parsed.data;
}

// ---- Usage text.

function usageLine(command: Command): string {
  const flags = flagSpecs(command.flags).map((s) => {
    const f = s.boolean ? `--${s.flag}` : `--${s.flag} <${s.placeholder ?? "value"}>`;
    return s.optional ? `[${f}]` : f;
  });
  return [PROGRAM, command.name, ...flags, "[--json]"].join(" ");
}

function commandUsage(command: Command): string[] {
  const specs = flagSpecs(command.flags);
  const rows = specs.map((s) => [s.boolean ? `--${s.flag}` : `--${s.flag} <${s.placeholder ?? "value"}>`, s.description]);
  rows.push(["--json", "Print the result (or the error) as JSON"]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `Usage: ${usageLine(command)}`,
    "",
    command.summary + ".",
    "",
    "Flags:",
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    ...(command.examples?.length ? ["", "Examples:", ...command.examples.map((e) => `  ${PROGRAM} ${e}`)] : []),
  ];
}

function overview(commands: Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [flags] [--json]`,
    "",
    "The platform operator's commands. They use DATABASE_URL, else the running embedded",
    "database (npm run dev), else start the embedded one for the command.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run \`${PROGRAM} help <command>\` (or <command> --help) for its flags.`,
    "--json prints results on stdout and errors on stderr as JSON.",
    "Exit codes: 0 done, 1 the operation failed, 2 bad arguments.",
  ];
}

function commandJson(command: Command) {
  return {
    name: command.name,
    summary: command.summary,
    flags: flagSpecs(command.flags).map((s) => ({
      flag: `--${s.flag}`,
      required: !s.optional,
      type: s.boolean ? "boolean" : "string",
      description: s.description,
    })),
  };
}
