import { expect } from 'vitest';
import type { Registered } from './mocks';

/** One IAM grant as registered: who, what role, on which resource. */
export interface Grant {
  type: string;
  member: string;
  role: string;
  /** `topic:<name>`, `bucket:<name>`, `dataset:<id>`, `project`, `service:<name>`… */
  on: string;
  condition?: string;
}

const IAM = /IAMMember|IamMember|IAMBinding|IamBinding|IAMPolicy|IamPolicy/;

/** Every IAM grant the program registered, normalised. */
export function grantsOf(all: Registered[]): Grant[] {
  return all
    .filter((r) => IAM.test(r.type))
    .map((r) => {
      const i = r.inputs;
      const on =
        i.topic !== undefined ? `topic:${i.topic}`
        : i.subscription !== undefined ? `subscription:${i.subscription}`
        : i.bucket !== undefined ? `bucket:${i.bucket}`
        : i.tableId !== undefined ? `dataset:${i.datasetId}/table:${i.tableId}`
        : i.datasetId !== undefined ? `dataset:${i.datasetId}`
        : i.secretId !== undefined ? `secret:${i.secretId}`
        : i.serviceAccountId !== undefined ? `serviceAccount:${i.serviceAccountId}`
        : r.type.startsWith('gcp:cloudrunv2/') ? `service:${String(i.name).split('/').pop()}`
        : r.type.startsWith('gcp:projects/') ? 'project'
        : `unknown:${r.type}`;
      return { type: r.type, member: i.member, role: i.role, on, ...(i.condition ? { condition: i.condition.expression } : {}) };
    });
}

/** Walks every string in every registered input. */
function* strings(v: unknown): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) yield* strings(x);
}

/** Invariants that hold for every pipeline, whatever its shape. */
export function assertSecurityInvariants(all: Registered[]): void {
  // IAM is additive only: authoritative bindings/policies would wipe grants made outside this stack.
  const authoritative = all.filter((r) => /IAMBinding|IamBinding|IAMPolicy|IamPolicy/.test(r.type)).map((r) => r.type);
  expect(authoritative).toEqual([]);
  for (const r of all) {
    for (const s of strings(r.inputs)) {
      expect(s, `${r.type} ${r.name}`).not.toMatch(/^(allUsers|allAuthenticatedUsers)$/);
    }
  }
  const grants = grantsOf(all);
  expect(grants.length).toBeGreaterThan(0);
  for (const g of grants) {
    expect(g.role, JSON.stringify(g)).not.toMatch(/^roles\/(owner|editor|viewer)$/);
    expect(g.member, JSON.stringify(g)).toMatch(/^serviceAccount:/);
    expect(g.on).not.toMatch(/^unknown:/);
  }
  const buckets = all.filter((r) => r.type === 'gcp:storage/bucket:Bucket');
  expect(buckets.length).toBeGreaterThan(0);
  for (const b of buckets) {
    expect(b.inputs, b.name).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced' });
  }
  for (const f of all.filter((r) => r.type === 'gcp:cloudfunctionsv2/function:Function')) {
    expect(f.inputs.serviceConfig.ingressSettings, f.name).toBe('ALLOW_INTERNAL_ONLY');
  }
}

/**
 * Subscription invariants: every subscription never expires; every subscription but the terminal
 * hold (on a topic in `terminalTopicIds`) is a push with OIDC, a retry policy and a dead-letter
 * topic among `deadLetterTopicIds`.
 */
export function assertSubscriptionInvariants(all: Registered[], terminalTopicIds: Set<string>, deadLetterTopicIds: Set<string>): void {
  const subs = all.filter((r) => r.type === 'gcp:pubsub/subscription:Subscription');
  expect(subs.length).toBeGreaterThan(0);
  for (const s of subs) {
    const i = s.inputs;
    expect(i.expirationPolicy, s.name).toEqual({ ttl: '' });
    if (terminalTopicIds.has(i.topic)) {
      // The end of the line: a pull subscription an operator drains; nowhere further to send messages.
      expect(i.pushConfig, s.name).toBeUndefined();
      continue;
    }
    expect(i.retryPolicy?.minimumBackoff, s.name).toMatch(/^\d+(\.\d+)?s$/);
    expect(i.retryPolicy?.maximumBackoff, s.name).toMatch(/^\d+(\.\d+)?s$/);
    expect(i.deadLetterPolicy?.deadLetterTopic, s.name).toSatisfy((t: string) => deadLetterTopicIds.has(t));
    expect(i.deadLetterPolicy.maxDeliveryAttempts, s.name).toBeGreaterThanOrEqual(5);
    expect(i.pushConfig?.pushEndpoint, s.name).toMatch(/^https:\/\//);
    expect(i.pushConfig?.oidcToken?.serviceAccountEmail, s.name).toMatch(/@.*\.iam\.gserviceaccount\.com$/);
    expect(i.pushConfig.pushEndpoint.startsWith(i.pushConfig.oidcToken.audience), s.name).toBe(true);
  }
}
