/**
 * A small parser for the Prometheus text exposition format (0.0.4), strict enough to fail a test on
 * a malformed line: `# HELP`/`# TYPE` comments and `name{label="value",…} number` samples.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name whose labels include `labels`; undefined if none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      types.set(name as string, type as string);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`malformed exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? "";
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`malformed labels: ${line}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    const raw = m[3] as string;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    // prom-client writes NaN as "Nan"; Prometheus parses floats case-insensitively (Go ParseFloat).
    if (Number.isNaN(value) && raw.toLowerCase() !== "nan") throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1] as string, labels, value });
  }
  return {
    types,
    samples,
    value(name, want = {}) {
      const hits = samples.filter(
        (s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v),
      );
      if (hits.length > 1)
        throw new Error(`${name} ${JSON.stringify(want)} matches ${hits.length}`);
      return hits[0]?.value;
    },
  };
}
