/**
 * The route settings `routes add` and `routes update` share, one table entry per flag: how it is
 * declared to parseArgs and how its text becomes a config field. A new route option is one entry.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { RouteEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import { compileInjector } from "../inject/index.js";
import type { Options, Values } from "./command.js";

type RouteFields = Partial<Omit<RouteEntry, "id" | "agent_id" | "host" | "path" | "backend">>;

interface RouteFlag {
  type: "string" | "boolean";
  /** Repeatable: `parse` gets every value given. */
  multiple?: true;
  /** The field(s) this flag sets; `undefined` clears an optional field. */
  parse(value: string | true | string[]): RouteFields;
}

const BINDINGS = ["off", "optional", "required"] as const;

const ROUTE_FLAGS: Record<string, RouteFlag> = {
  secret: { type: "string", parse: (v) => ({ secret: String(v) }) },
  inject: {
    type: "string",
    parse(v) {
      compileInjector(String(v));
      return { inject: String(v) };
    },
  },
  methods: { type: "string", parse: (v) => ({ methods: parseMethods(String(v)) }) },
  binding: {
    type: "string",
    parse(v) {
      if (!(BINDINGS as readonly string[]).includes(String(v)))
        throw new SigilError("ERR_USAGE", "--binding must be off, optional or required");
      return { binding: v as RouteEntry["binding"] };
    },
  },
  "upstream-ca": {
    type: "string",
    parse: (v) => ({ upstream_ca: existingFile("upstream-ca", v) }),
  },
  "session-policy": {
    type: "string",
    parse: (v) => ({ session_policy: existingFile("session-policy", v) }),
  },
  "allow-plaintext": { type: "boolean", parse: () => ({ allow_plaintext: true }) },
  // Checked against the route's injection (aws-sigv4 only) when the config compiles.
  "aws-operations": {
    type: "string",
    parse: (v) => ({
      aws_operations: [
        ...new Set(
          String(v)
            .split(",")
            .map((op) => op.trim()),
        ),
      ],
    }),
  },
  "keep-header": {
    type: "string",
    multiple: true,
    parse: (v) => ({ keep_headers: parseKeepHeaders([v].flat() as string[]) }),
  },
};

/** The parseArgs declarations of every shared route flag. */
export const ROUTE_FLAG_OPTIONS: Options = Object.fromEntries(
  Object.entries(ROUTE_FLAGS).map(([name, f]) => [
    name,
    f.multiple ? { type: f.type, multiple: true } : { type: f.type },
  ]),
);

/** The fields set by the flags that were given (and only those). */
export function parseRouteFlags(values: Values): RouteFields {
  const out: RouteFields = {};
  for (const [name, flag] of Object.entries(ROUTE_FLAGS)) {
    const v = values[name];
    if (typeof v === "string" || v === true || Array.isArray(v)) Object.assign(out, flag.parse(v));
  }
  return out;
}

/** `GET,POST`; `*` means any method (clears the restriction). */
function parseMethods(text: string): string[] | undefined {
  if (text.trim() === "*") return undefined;
  const methods = text.split(",").map((m) => m.trim().toUpperCase());
  if (methods.some((m) => !/^[A-Z]{1,16}$/.test(m))) {
    throw new SigilError("ERR_USAGE", "--methods expects a comma-separated list like GET,POST");
  }
  return [...new Set(methods)];
}

function parseKeepHeaders(given: string[]): string[] {
  const names = given.map((h) => h.trim().toLowerCase());
  if (names.some((h) => !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(h) || h.startsWith("x-sigil-"))) {
    throw new SigilError("ERR_USAGE", "--keep-header expects an HTTP header name");
  }
  return [...new Set(names)];
}

function existingFile(flag: string, value: string | true | string[]): string {
  const path = resolve(String(value));
  if (!existsSync(path)) throw new SigilError("ERR_USAGE", `--${flag} ${path} does not exist`);
  return path;
}
