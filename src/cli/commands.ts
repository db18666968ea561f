/** Every CLI command, in the order `--help` lists them. */
import { agentCommands } from "./agents.js";
import { auditCommands } from "./audit.js";
import { backendCommands } from "./backends.js";
import type { Command } from "./command.js";
import { devCommands } from "./dev.js";
import { doctorCommand } from "./doctor.js";
import { initCommand } from "./init.js";
import { routeCommands } from "./routes.js";
import { runCommands } from "./run.js";
import { startCommand } from "./start.js";
import { trustCommands } from "./trust.js";

export const COMMANDS: readonly Command[] = [
  initCommand,
  startCommand,
  ...trustCommands,
  ...agentCommands,
  ...backendCommands,
  ...routeCommands,
  ...auditCommands,
  ...devCommands,
  ...runCommands,
  doctorCommand,
];
