import * as pulumi from '@pulumi/pulumi';
import { ConfigError } from '../shared/core/errors';
import { checkOptions } from '../shared/topology';

/** A chat-tool webhook notification channel; the URL embeds a token, so it stays a secret. */
export interface ChatWebhook {
  name: string;
  url: pulumi.Output<string>;
}

/** Everything the stack's configuration says, read and validated once. */
export interface StackConfig {
  /** `gcp:project`. */
  project: string;
  /** `gcp:region`: functions, scheduler, buckets. */
  region: string;
  /** `sluice:pipeline`: name of the pipeline definition to deploy (a key of the `pipelines/` registry). */
  pipeline: string;
  /** `sluice:prefix`: environment prefix of every resource name (`dev`, `pr-42`); validated by the topology. */
  prefix?: string;
  /** `sluice:firestoreLocation`: Firestore location (`nam5`, `eur3`, a region); defaults to the region. */
  firestoreLocation: string;
  /** `sluice:createFirestoreDatabase`: create the Firestore database (default `true`; `false` if it exists). */
  createFirestoreDatabase: boolean;
  /** `sluice:alertEmails`: JSON array of addresses that receive alerts and budget notices. */
  alertEmails: string[];
  /** `sluice:chatWebhooks` (secret): JSON object `{name: url}` of chat webhooks. */
  chatWebhooks: ChatWebhook[];
  /** `sluice:billingAccount` + `sluice:monthlyBudget` (+ `sluice:budgetCurrency`, default `USD`). */
  budget?: { billingAccount: string; amount: number; currency: string; thresholds: number[] };
  /** `sluice:hmacKeySecret`: Secret Manager secret id holding the PII-hashing key. */
  hmacKeySecret?: string;
  /** `sluice:queryUsageLimitMiBPerDay`: project-wide BigQuery custom quota. */
  queryUsageLimitMiBPerDay?: number;
  /** `sluice:protectData`: keep data stores on `pulumi destroy` (default `true`: `pulumi destroy` keeps the dataset, tables, buckets and Firestore database until you set it to false and `pulumi up`). */
  protectData: boolean;
  /** `sluice:archiveDir`: deploy prebuilt stage bundles from this directory instead of bundling. */
  archiveDir?: string;
  /** Alert thresholds: `sluice:watermarkLagAlertMinutes`, `sluice:paneLatencyAlertMinutes`, `sluice:backlogAlertMinutes`. */
  alerts: { watermarkLagMinutes: number; paneLatencyMinutes: number; backlogMinutes: number };
}

/** Reads one raw config value (`namespace:key`); `pulumi.runtime.getConfig` in a stack. */
export interface ConfigSource {
  get(key: string): string | undefined;
  isSecret(key: string): boolean;
}

/** `isConfigSecret` is exported by the runtime but marked internal in its typings. */
const runtimeWithSecrets = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };

const stackSource: ConfigSource = {
  get: (key) => pulumi.runtime.getConfig(key),
  isSecret: (key) => runtimeWithSecrets.isConfigSecret?.(key) ?? true,
};

const DEFAULT_BUDGET_THRESHOLDS = [0.5, 0.9, 1];

/**
 * Reads the stack configuration once. Throws a `ConfigError` naming the key and the command that
 * fixes it. Components never read configuration: they receive this object's values.
 */
export function loadStackConfig(source: ConfigSource = stackSource): StackConfig {
  const str = (key: string): string | undefined => {
    const v = source.get(key)?.trim();
    return v === '' ? undefined : v;
  };
  const required = (key: string, example: string): string => {
    const v = str(key);
    if (v === undefined) throw new ConfigError(key, `required; set it with \`pulumi config set ${key} ${example}\``);
    return v;
  };
  const num = (key: string, check: (n: number) => boolean, rule: string): number | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || !check(n)) throw new ConfigError(key, `${rule}; got ${JSON.stringify(v)}`);
    return n;
  };
  const json = (key: string): unknown => {
    const v = str(key);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      throw new ConfigError(key, `must be JSON; got ${JSON.stringify(v.length > 40 && source.isSecret(key) ? '[secret]' : v)}`);
    }
  };

  const project = required('gcp:project', '<project-id>');
  const region = required('gcp:region', 'europe-west1');
  const pipeline = required('sluice:pipeline', 'iot-sensors');
  const prefix = str('sluice:prefix');
  // The topology owns the naming rules; report its verdict under the stack-config key.
  try {
    checkOptions({ project, region, env: 'cloud', ...(prefix !== undefined ? { prefix } : {}) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const key = { project: 'gcp:project', region: 'gcp:region', prefix: 'sluice:prefix' }[e.variable] ?? e.variable;
    throw new ConfigError(key, e.message.slice(e.variable.length + 2));
  }

  const emailsRaw = json('sluice:alertEmails') ?? [];
  if (!Array.isArray(emailsRaw) || !emailsRaw.every((e) => typeof e === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e))) {
    throw new ConfigError('sluice:alertEmails', 'must be a JSON array of email addresses, e.g. \'["oncall@example.com"]\'');
  }

  const webhooksRaw = json('sluice:chatWebhooks');
  const chatWebhooks: ChatWebhook[] = [];
  if (webhooksRaw !== undefined) {
    if (!source.isSecret('sluice:chatWebhooks')) {
      throw new ConfigError('sluice:chatWebhooks', 'webhook URLs embed tokens: set it with `pulumi config set --secret sluice:chatWebhooks \'{"oncall":"https://…"}\'`');
    }
    if (typeof webhooksRaw !== 'object' || webhooksRaw === null || Array.isArray(webhooksRaw)) {
      throw new ConfigError('sluice:chatWebhooks', 'must be a JSON object of {name: "https://…"}');
    }
    for (const [name, url] of Object.entries(webhooksRaw)) {
      if (!/^[a-z][a-z0-9-]{0,30}$/.test(name) || typeof url !== 'string' || !url.startsWith('https://')) {
        throw new ConfigError('sluice:chatWebhooks', `entry "${name}" must map a lower-case name to an https:// URL`);
      }
      chatWebhooks.push({ name, url: pulumi.secret(url) });
    }
  }

  const billingAccount = str('sluice:billingAccount');
  const amount = num('sluice:monthlyBudget', (n) => n > 0, 'must be a number > 0 (in the budget currency)');
  if ((billingAccount === undefined) !== (amount === undefined)) {
    const missing = billingAccount === undefined ? 'sluice:billingAccount' : 'sluice:monthlyBudget';
    throw new ConfigError(missing, 'a budget needs both sluice:billingAccount and sluice:monthlyBudget; set the missing one or unset the other');
  }
  if (billingAccount !== undefined && !/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(billingAccount)) {
    throw new ConfigError('sluice:billingAccount', `must look like 0X0X0X-0X0X0X-0X0X0X; got "${billingAccount}"`);
  }
  const currency = str('sluice:budgetCurrency') ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) throw new ConfigError('sluice:budgetCurrency', `must be an ISO 4217 code such as USD; got "${currency}"`);

  const hmacKeySecret = str('sluice:hmacKeySecret');
  if (hmacKeySecret !== undefined && !/^[A-Za-z0-9_-]{1,255}$/.test(hmacKeySecret)) {
    throw new ConfigError('sluice:hmacKeySecret', `must be a Secret Manager secret id (letters, digits, _ and -); got "${hmacKeySecret}"`);
  }

  const bool = (key: string, fallback: boolean): boolean => {
    const v = str(key);
    if (v === undefined) return fallback;
    if (v !== 'true' && v !== 'false') throw new ConfigError(key, `must be true or false; got "${v}"`);
    return v === 'true';
  };

  const minutes = (key: string, fallback: number): number =>
    num(key, (n) => Number.isInteger(n) && n >= 1 && n <= 1440, 'must be a whole number of minutes in [1, 1440]') ?? fallback;

  return {
    project,
    region,
    pipeline,
    ...(prefix !== undefined ? { prefix } : {}),
    firestoreLocation: str('sluice:firestoreLocation') ?? region,
    createFirestoreDatabase: bool('sluice:createFirestoreDatabase', true),
    alertEmails: emailsRaw as string[],
    chatWebhooks,
    ...(billingAccount !== undefined && amount !== undefined
      ? { budget: { billingAccount, amount, currency, thresholds: DEFAULT_BUDGET_THRESHOLDS } }
      : {}),
    ...(hmacKeySecret !== undefined ? { hmacKeySecret } : {}),
    ...(() => {
      const q = num('sluice:queryUsageLimitMiBPerDay', (n) => Number.isInteger(n) && n > 0, 'must be a whole number of MiB > 0');
      return q !== undefined ? { queryUsageLimitMiBPerDay: q } : {};
    })(),
    protectData: bool('sluice:protectData', true),
    ...(str('sluice:archiveDir') !== undefined ? { archiveDir: str('sluice:archiveDir') as string } : {}),
    alerts: {
      watermarkLagMinutes: minutes('sluice:watermarkLagAlertMinutes', 15),
      paneLatencyMinutes: minutes('sluice:paneLatencyAlertMinutes', 10),
      backlogMinutes: minutes('sluice:backlogAlertMinutes', 10),
    },
  };
}
