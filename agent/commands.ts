/**
 * What the agent does with a command batch. Nothing runs unless the batch verifies (pinned
 * appliance key, this appliance, this agent); a batch that does not is refused, logged and
 * reported as an alert. Each command id runs at most once: its id and its acknowledgement go
 * into the outbox in one transaction before it runs, so a redelivered command is skipped even
 * after a restart. Job commands are handled by the runner registered for them (next issue).
 */
import type { Command, SignedBatch } from "../server/contract/agent.ts";
import type { HostFacts } from "../server/contract/agent.ts";
import type { LogFn } from "./log.ts";
import type { NewReport, Outbox } from "./outbox.ts";
import type { SecretStore } from "./secrets.ts";
import { openCommandBatch, UntrustedCommandError } from "./trust.ts";
import type { PinnedAppliance } from "./trust.ts";

export type CommandRunner = (cmd: Command) => Promise<Record<string, unknown>>;

export function createCommandHandler(deps: {
  outbox: Outbox;
  pinned: PinnedAppliance;
  identity: { publicKey: string };
  secrets: SecretStore;
  log: LogFn;
  facts(): Promise<HostFacts>;
  /** Extra command kinds (job.run, job.cancel…) and how to run them. */
  runners?: Record<string, CommandRunner>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const builtIn: Record<string, CommandRunner> = {
    ping: () => Promise.resolve({ pong: now() }),
    "facts.refresh": async () => {
      deps.outbox.add([{ kind: "facts", body: await deps.facts() }]);
      return {};
    },
    "secret.put": async (cmd) => {
      const s = await deps.secrets.put(cmd.args.sealed);
      return { name: s.name };
    },
  };
  const runners = { ...builtIn, ...(deps.runners ?? {}) };

  async function runOne(cmd: Command): Promise<NewReport> {
    const runner = runners[cmd.kind];
    if (!runner) {
      deps.log("warn", "refused a command of an unknown kind", {
        commandId: cmd.id,
        kind: cmd.kind,
      });
      return result(cmd, { ok: false, error: `This agent does not know the command ${cmd.kind}` });
    }
    try {
      return result(cmd, { ok: true, ...(await runner(cmd)) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.log("warn", "a command failed", { commandId: cmd.id, kind: cmd.kind, error: message });
      return result(cmd, { ok: false, error: message.slice(0, 2000) });
    }
  }

  return {
    /** Verifies and runs a batch; returns how many commands ran. */
    async handle(batch: SignedBatch): Promise<number> {
      let commands: Command[];
      try {
        commands = (await openCommandBatch(batch, deps.pinned, deps.identity)).commands;
      } catch (err) {
        if (!(err instanceof UntrustedCommandError)) throw err;
        deps.log("error", "refused a command batch", { reason: err.message });
        deps.outbox.add([{
          kind: "alert",
          body: { code: "untrusted_commands", message: err.message },
        }]);
        return 0;
      }
      let ran = 0;
      for (const cmd of commands) {
        const ack: NewReport = { kind: "command.ack", body: { commandId: cmd.id } };
        if (!deps.outbox.acceptCommand(cmd.id, ack)) continue;
        deps.log("info", "running a command", { commandId: cmd.id, kind: cmd.kind });
        deps.outbox.add([await runOne(cmd)]);
        ran++;
      }
      return ran;
    },
  };
}

function result(cmd: Command, body: Record<string, unknown>): NewReport {
  return { kind: "command.result", body: { commandId: cmd.id, kind: cmd.kind, ...body } };
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;
