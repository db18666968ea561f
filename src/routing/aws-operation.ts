/**
 * A route's AWS operation allow-list (`--aws-operations`, issue 14). Host, path and method do not
 * say what a signed AWS request does: JSON services take every call as `POST /` and dispatch on
 * `X-Amz-Target`, Query services (STS, IAM, EC2, SNS, SQS query) on `Action=`, S3 on method, path,
 * subresource and `x-amz-copy-source`. A request whose operation is not derivable is refused.
 */
import type { LiveHeaders } from "../live-headers.js";
import { SigilError } from "../errors.js";
import { isS3Service, resolveScope } from "../inject/sigv4/scope.js";
import { deriveS3Operation, type DerivedOperation } from "./s3-operation.js";

/** Compiled `aws_operations` of one route. */
export interface AwsOperationList {
  /** Operation names (`GetSecretValue`) and full targets (`secretsmanager.GetSecretValue`). */
  readonly allowed: ReadonlySet<string>;
  /** The signing service from the route's `aws-sigv4:SERVICE`; else inferred from the host. */
  readonly service?: string;
}

/** What derivation reads: the request as it will be signed and forwarded. */
export interface OperationRequest {
  method: string;
  /** The tunnel's host, for the service and S3's virtual-hosted buckets. */
  host: string;
  /** Normalised path, without the query. */
  path: string;
  /** Raw query after "?", "" when absent. */
  query: string;
  headers: LiveHeaders;
  body?: Buffer;
}

const ENTRY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const TARGET = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const ACTION = /^[A-Za-z0-9]{1,128}$/;
const SUFFIX = /\.(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/;
/** The S3 label of a bucket-addressing endpoint: labels left of it name the bucket. */
const S3_LABEL = /^s3(-accesspoint|-fips|-external-1|-[a-z]{2}(-[a-z]+)+-\d+)?$/;

/** Validates `aws_operations`; the route must sign with aws-sigv4 (only then is there an operation). */
export function compileAwsOperations(list: readonly string[], inject: string): AwsOperationList {
  const [kind, service] = inject.split(":");
  if (kind !== "aws-sigv4") {
    throw new SigilError("ERR_USAGE", "aws operations need --inject aws-sigv4");
  }
  if (list.length === 0) {
    throw new SigilError("ERR_USAGE", "aws operations must list at least one, or be omitted");
  }
  for (const entry of list) {
    if (!ENTRY.test(entry)) {
      throw new SigilError("ERR_USAGE", `invalid AWS operation ${JSON.stringify(entry)}`);
    }
  }
  return { allowed: new Set(list), ...(service ? { service } : {}) };
}

/** Passes an allowed operation; anything else is `ERR_NO_ROUTE`. */
export function checkAwsOperation(list: AwsOperationList, req: OperationRequest): void {
  const op = deriveAwsOperation(list.service, req);
  if (!op.ok) {
    throw new SigilError(
      "ERR_NO_ROUTE",
      `the route allows listed AWS operations only, and this request's is unknown: ${op.why}`,
    );
  }
  if (!list.allowed.has(op.name) && !(op.target !== undefined && list.allowed.has(op.target))) {
    throw new SigilError("ERR_NO_ROUTE", `AWS operation ${op.name} is not allowed by the route`);
  }
}

export function deriveAwsOperation(
  declared: string | undefined,
  req: OperationRequest,
): DerivedOperation {
  const service = declared ?? resolveScope(req.host)?.service;
  if (service === undefined) return fail("the AWS service cannot be inferred from the host");
  if (!isS3Service(service)) return deriveRpcOperation(req);
  if (req.headers["x-amz-target"] !== undefined) return fail("an S3 request carries X-Amz-Target");
  const level = s3Level(req.host, req.path);
  if (level === undefined) return fail("the S3 endpoint form is not recognised");
  return deriveS3Operation({
    method: req.method.toUpperCase(),
    level,
    query: new URLSearchParams(req.query),
    copySource: req.headers["x-amz-copy-source"] !== undefined,
  });
}

/** JSON (`X-Amz-Target`) and Query (`Action=` in the query or form body); all that are present must agree. */
function deriveRpcOperation(req: OperationRequest): DerivedOperation {
  const found: { name: string; target?: string }[] = [];
  const target = req.headers["x-amz-target"];
  if (target !== undefined) {
    if (typeof target !== "string" || !TARGET.test(target)) {
      return fail("X-Amz-Target is malformed or sent more than once");
    }
    found.push({ name: target.slice(target.lastIndexOf(".") + 1), target });
  }
  for (const params of [new URLSearchParams(req.query), formBody(req)]) {
    const actions = [...(params ?? [])].filter(([n]) => n.toLowerCase() === "action");
    if (actions.length > 1) return fail("Action is given more than once");
    const action = actions[0]?.[1];
    if (action === undefined) continue;
    if (!ACTION.test(action)) return fail("Action is not an operation name");
    found.push({ name: action });
  }
  const first = found[0];
  if (first === undefined) {
    return fail(
      "neither X-Amz-Target nor an Action parameter names one (REST APIs other than S3 are not derived)",
    );
  }
  if (found.some((f) => f.name !== first.name)) {
    return fail("X-Amz-Target and Action name different operations");
  }
  return { ok: true, ...first };
}

/** A form-encoded (or untyped) POST body, as Query-protocol services read it. */
function formBody(req: OperationRequest): URLSearchParams | undefined {
  if (req.body === undefined || req.body.length === 0) return undefined;
  const type = req.headers["content-type"];
  if (Array.isArray(type)) return undefined;
  const media = typeof type === "string" ? type.split(";")[0]!.trim().toLowerCase() : "";
  if (media !== "" && media !== "application/x-www-form-urlencoded") return undefined;
  return new URLSearchParams(req.body.toString("utf8"));
}

/**
 * Path-style (`s3.<region>.amazonaws.com/bucket/key`, and any non-AWS host such as a private
 * S3-compatible endpoint) or virtual-hosted (`bucket.s3.<region>.amazonaws.com/key`).
 */
function s3Level(host: string, path: string): "service" | "bucket" | "object" | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  let virtual = false;
  const suffix = SUFFIX.exec(name);
  if (suffix) {
    const labels = name.slice(0, suffix.index).split(".");
    let i = labels.length - 1;
    while (i >= 0 && !S3_LABEL.test(labels[i]!)) i--;
    if (i < 0) return undefined;
    virtual = i > 0;
  }
  const rest = path.slice(1);
  if (virtual) return rest === "" ? "bucket" : "object";
  if (rest === "") return "service";
  const slash = rest.indexOf("/");
  return slash < 0 || slash === rest.length - 1 ? "bucket" : "object";
}

function fail(why: string): DerivedOperation {
  return { ok: false, why };
}
