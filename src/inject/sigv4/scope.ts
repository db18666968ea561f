/**
 * Service and region for the credential scope, inferred from AWS endpoint host names when the
 * route's spec does not name them: `<service>.<region>.amazonaws.com`, S3's bucket and legacy
 * forms, `<domain>.<region>.es.amazonaws.com`, and the global endpoints signed in us-east-1.
 * Endpoint prefixes whose signing name differs (bedrock-runtime → bedrock) are mapped.
 */
import type { SigningScope } from "./sign.js";

const SUFFIXES = [".amazonaws.com.cn", ".amazonaws.com", ".api.aws", ".on.aws"];
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const S3_FAMILY = new Set(["s3", "s3-object-lambda", "s3-outposts"]);

/** Endpoint prefix → signing name, where they differ. */
const SIGNING_NAMES: Readonly<Record<string, string>> = {
  "bedrock-runtime": "bedrock",
  "bedrock-agent-runtime": "bedrock",
  "bedrock-agent": "bedrock",
  email: "ses",
  "lambda-url": "lambda",
  "s3-control": "s3",
};

/** Global endpoints (no region label) and where they sign. */
const GLOBAL: Readonly<Record<string, string>> = {
  iam: "us-east-1",
  sts: "us-east-1",
  route53: "us-east-1",
  cloudfront: "us-east-1",
  waf: "us-east-1",
  s3: "us-east-1",
};

export function isS3Service(service: string): boolean {
  return S3_FAMILY.has(service);
}

/** The scope for `host` ("h" or "h:port"); `service`/`region` from the spec win. Undefined when unknown. */
export function resolveScope(
  host: string,
  service?: string,
  region?: string,
): SigningScope | undefined {
  const inferred = service !== undefined && region !== undefined ? undefined : inferScope(host);
  const svc = service ?? inferred?.service;
  const reg = region ?? inferred?.region;
  if (svc === undefined || reg === undefined) return undefined;
  return { service: svc, region: reg, s3: isS3Service(svc) };
}

function inferScope(host: string): { service: string; region?: string } | undefined {
  const name = stripPort(host).toLowerCase().replace(/\.$/, "");
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  if (!suffix) return undefined;
  const labels = name.slice(0, -suffix.length).split(".");
  const s3 = inferS3(labels);
  if (s3) return s3;
  const last = labels[labels.length - 1] ?? "";
  const before = labels[labels.length - 2];
  if (REGION.test(last) && before !== undefined) {
    return { service: signingName(before), region: last };
  }
  if (before !== undefined && REGION.test(before)) {
    return { service: signingName(last), region: before }; // <domain>.<region>.es.amazonaws.com
  }
  if (labels.length === 1 && GLOBAL[last] !== undefined) {
    return { service: last, region: GLOBAL[last] };
  }
  return undefined;
}

/** `s3.<region>`, `<bucket>.s3.<region>`, `s3.dualstack.<region>`, `s3-<region>`, bare `s3`. */
function inferS3(labels: string[]): { service: string; region?: string } | undefined {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (label === "s3") {
      const rest = labels.slice(i + 1).filter((l) => l !== "dualstack" && l !== "fips");
      if (rest.length === 0) return { service: "s3", region: "us-east-1" };
      return rest.length === 1 && REGION.test(rest[0] as string)
        ? { service: "s3", region: rest[0] as string }
        : { service: "s3" };
    }
    const legacy = /^s3-(.+)$/.exec(label);
    if (legacy && i === labels.length - 1) {
      const region = legacy[1] as string;
      if (region === "external-1") return { service: "s3", region: "us-east-1" };
      return REGION.test(region) ? { service: "s3", region } : { service: "s3" };
    }
  }
  return undefined;
}

function signingName(prefix: string): string {
  const bare = prefix.replace(/-fips$/, "");
  return SIGNING_NAMES[bare] ?? bare;
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.lastIndexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}
