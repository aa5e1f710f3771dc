import { createHash } from "node:crypto";

/** Where a construct's resources live: given once, so region and partition cannot disagree. */
export interface AwsTarget {
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  readonly region: string;
  /** The account id (a token at synth, e.g. `data.aws_caller_identity.current.account_id`). */
  readonly accountId: string;
}

/**
 * `base` + `suffix`, at most `max` characters. When that is too long, `base` is cut and a hash of
 * the whole `base` is put in its place, so two long bases that share a beginning stay distinct.
 */
export function boundedName(base: string, suffix: string, max: number): string {
  if (base.length + suffix.length <= max) return `${base}${suffix}`;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 8);
  const keep = max - suffix.length - hash.length - 1;
  if (keep < 1) throw new Error(`name suffix '${suffix}' leaves no room within ${max} characters`);
  return `${base.slice(0, keep).replace(/-+$/, "")}-${hash}${suffix}`;
}

/** AWS name length limits the constructs stay within. */
export const NAME_LIMITS = {
  iamRole: 64,
  sagemaker: 63,
  /** `name_prefix` of SageMaker resources: the provider appends 26 characters. */
  sagemakerPrefix: 37,
  lambdaFunction: 64,
  lambdaStatementId: 100,
} as const;
