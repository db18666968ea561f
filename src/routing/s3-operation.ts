/**
 * Which S3 API operation a REST request performs, from method, bucket/key presence, the query's
 * subresource and `x-amz-copy-source` — as S3 dispatches it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 * Anything not in these tables (an unknown query parameter, two subresources, a POST form upload)
 * is "not derivable": on a route with an operation allow-list that is a refusal, never a guess.
 */

/** The operation, or why none can be named. */
export type DerivedOperation =
  { ok: true; name: string; target?: string } | { ok: false; why: string };

/** method → subresource ("" = none) → operation. */
type Table = Readonly<Record<string, Readonly<Record<string, string>>>>;

const SERVICE: Table = { GET: { "": "ListBuckets" } };

const BUCKET: Table = {
  GET: {
    "": "ListObjects",
    acl: "GetBucketAcl",
    accelerate: "GetBucketAccelerateConfiguration",
    cors: "GetBucketCors",
    encryption: "GetBucketEncryption",
    lifecycle: "GetBucketLifecycleConfiguration",
    location: "GetBucketLocation",
    logging: "GetBucketLogging",
    notification: "GetBucketNotificationConfiguration",
    "object-lock": "GetObjectLockConfiguration",
    ownershipControls: "GetBucketOwnershipControls",
    policy: "GetBucketPolicy",
    policyStatus: "GetBucketPolicyStatus",
    publicAccessBlock: "GetPublicAccessBlock",
    replication: "GetBucketReplication",
    requestPayment: "GetBucketRequestPayment",
    tagging: "GetBucketTagging",
    uploads: "ListMultipartUploads",
    versioning: "GetBucketVersioning",
    versions: "ListObjectVersions",
    website: "GetBucketWebsite",
  },
  HEAD: { "": "HeadBucket" },
  PUT: {
    "": "CreateBucket",
    acl: "PutBucketAcl",
    accelerate: "PutBucketAccelerateConfiguration",
    cors: "PutBucketCors",
    encryption: "PutBucketEncryption",
    lifecycle: "PutBucketLifecycleConfiguration",
    logging: "PutBucketLogging",
    notification: "PutBucketNotificationConfiguration",
    "object-lock": "PutObjectLockConfiguration",
    ownershipControls: "PutBucketOwnershipControls",
    policy: "PutBucketPolicy",
    publicAccessBlock: "PutPublicAccessBlock",
    replication: "PutBucketReplication",
    requestPayment: "PutBucketRequestPayment",
    tagging: "PutBucketTagging",
    versioning: "PutBucketVersioning",
    website: "PutBucketWebsite",
  },
  DELETE: {
    "": "DeleteBucket",
    cors: "DeleteBucketCors",
    encryption: "DeleteBucketEncryption",
    lifecycle: "DeleteBucketLifecycle",
    ownershipControls: "DeleteBucketOwnershipControls",
    policy: "DeleteBucketPolicy",
    publicAccessBlock: "DeletePublicAccessBlock",
    replication: "DeleteBucketReplication",
    tagging: "DeleteBucketTagging",
    website: "DeleteBucketWebsite",
  },
  POST: { delete: "DeleteObjects" },
};

const OBJECT: Table = {
  GET: {
    "": "GetObject",
    acl: "GetObjectAcl",
    attributes: "GetObjectAttributes",
    "legal-hold": "GetObjectLegalHold",
    retention: "GetObjectRetention",
    tagging: "GetObjectTagging",
    torrent: "GetObjectTorrent",
    uploadId: "ListParts",
  },
  HEAD: { "": "HeadObject" },
  PUT: {
    "": "PutObject",
    acl: "PutObjectAcl",
    "legal-hold": "PutObjectLegalHold",
    renameObject: "RenameObject",
    retention: "PutObjectRetention",
    tagging: "PutObjectTagging",
    uploadId: "UploadPart",
  },
  DELETE: { "": "DeleteObject", tagging: "DeleteObjectTagging", uploadId: "AbortMultipartUpload" },
  POST: {
    restore: "RestoreObject",
    select: "SelectObjectContent",
    uploadId: "CompleteMultipartUpload",
    uploads: "CreateMultipartUpload",
  },
};

/** Every subresource any table names. */
const SUBRESOURCES = new Set(
  [SERVICE, BUCKET, OBJECT].flatMap((t) => Object.values(t).flatMap((m) => Object.keys(m))),
);

/** Parameters that refine an operation without changing which one it is. */
const PLAIN = new Set([
  "bucket-region",
  "continuation-token",
  "delimiter",
  "encoding-type",
  "fetch-owner",
  "key-marker",
  "list-type",
  "marker",
  "max-buckets",
  "max-keys",
  "max-parts",
  "max-uploads",
  "part-number-marker",
  "partNumber",
  "prefix",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "select-type",
  "start-after",
  "upload-id-marker",
  "version-id-marker",
  "versionId",
  "x-id",
]);

/** Copies are PutObject / UploadPart with this header: a different operation (and permission). */
const COPY_OF: Readonly<Record<string, string>> = {
  PutObject: "CopyObject",
  UploadPart: "UploadPartCopy",
};

export interface S3Request {
  method: string;
  /** Whether the request names a bucket and an object key (see aws-operation.ts). */
  level: "service" | "bucket" | "object";
  query: URLSearchParams;
  copySource: boolean;
}

export function deriveS3Operation(req: S3Request): DerivedOperation {
  let sub = "";
  for (const name of new Set(req.query.keys())) {
    if (SUBRESOURCES.has(name)) {
      if (sub !== "") return { ok: false, why: "S3 request names two subresources" };
      sub = name;
    } else if (!PLAIN.has(name)) {
      return { ok: false, why: "S3 request carries a query parameter Vault does not recognise" };
    }
  }
  const table = req.level === "service" ? SERVICE : req.level === "bucket" ? BUCKET : OBJECT;
  const byMethod = Object.hasOwn(table, req.method) ? table[req.method] : undefined;
  let name = byMethod !== undefined && Object.hasOwn(byMethod, sub) ? byMethod[sub] : undefined;
  if (name === undefined) {
    return { ok: false, why: "S3 method and subresource name no operation Vault recognises" };
  }
  if (name === "ListObjects" && req.query.has("list-type")) {
    if (req.query.getAll("list-type").join() !== "2") {
      return { ok: false, why: "S3 list-type must be 2" };
    }
    name = "ListObjectsV2";
  }
  if (name === "UploadPart" && !req.query.has("partNumber")) {
    return { ok: false, why: "S3 upload part without partNumber" };
  }
  if (req.copySource) {
    const copy = COPY_OF[name];
    if (copy === undefined)
      return { ok: false, why: "x-amz-copy-source on an operation that does not copy" };
    name = copy;
  }
  // The SDK names the operation in x-id; one that disagrees is a request built to confuse.
  const xid = req.query.getAll("x-id");
  if (xid.length > 0 && (xid.length > 1 || xid[0] !== name)) {
    return { ok: false, why: "S3 x-id names a different operation" };
  }
  return { ok: true, name };
}
