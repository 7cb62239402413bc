import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** One field of a composite index. */
export interface IndexFieldArgs {
  fieldPath: string;
  order: 'ASCENDING' | 'DESCENDING';
}

/** A composite index a stage's queries need (Firestore refuses such a query without it). */
export interface CompositeIndexArgs {
  /** Stable short name for the Pulumi resource. */
  name: string;
  collection: string;
  queryScope: 'COLLECTION' | 'COLLECTION_GROUP';
  fields: IndexFieldArgs[];
}

/** A TTL policy: Firestore deletes documents of `collection` once the timestamp in `field` has passed. */
export interface TtlPolicyArgs {
  collection: string;
  /** A Timestamp field; documents without it never expire. */
  field: string;
}

export interface StateStoreArgs {
  project: pulumi.Input<string>;
  /** Firestore location (`nam5`, `eur3`, or a region). */
  locationId: string;
  /** The database the stages use (the topology's; `(default)` unless it says otherwise). */
  databaseName: string;
  /**
   * Create the database. `false` when it already exists (a project has at most one `(default)`
   * database, often created long before the pipeline): indexes, TTL policies and grants still apply.
   */
  createDatabase: boolean;
  indexes: CompositeIndexArgs[];
  ttlPolicies: TtlPolicyArgs[];
  /** Fields exempted from single-field indexing: large opaque values (engine state, ledgers) nothing queries. */
  indexExemptions: { collection: string; field: string }[];
  /**
   * Identities granted `roles/datastore.user`, conditioned on this database only: Firestore's IAM is
   * project-level, and an IAM condition on `resource.name` is how it is narrowed to one database.
   */
  users: { name: string; member: pulumi.Input<string> }[];
  /** Keep the database (and its data) on `pulumi destroy`. */
  protectData: boolean;
}

/**
 * The pipeline's Firestore database: partition state, dedupe ledger, outbox. Composite indexes the
 * aggregator's queries need and TTL policies on the expiry fields the state carries.
 */
export class StateStore extends pulumi.ComponentResource {
  readonly database: gcp.firestore.Database | undefined;
  readonly databaseName: pulumi.Output<string>;

  constructor(name: string, args: StateStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    for (const ix of args.indexes) {
      if (ix.fields.length < 2) {
        throw new RangeError(`index ${ix.name}: a composite index needs ≥ 2 fields; got ${ix.fields.length}`);
      }
    }
    super('sluice:infra:StateStore', name, {}, opts);
    const parent = { parent: this };

    this.database = args.createDatabase
      ? new gcp.firestore.Database(
          name,
          {
            project: args.project,
            name: args.databaseName,
            locationId: args.locationId,
            type: 'FIRESTORE_NATIVE',
            // Transactions on one partition document are serialised by ordered delivery; pessimistic
            // locking is Firestore's default for server clients and keeps retries rare.
            concurrencyMode: 'PESSIMISTIC',
            deleteProtectionState: args.protectData ? 'DELETE_PROTECTION_ENABLED' : 'DELETE_PROTECTION_DISABLED',
            // `(default)` may hold other applications' data too: destroying the stack never deletes it.
            deletionPolicy: args.protectData || args.databaseName === '(default)' ? 'ABANDON' : 'DELETE',
          },
          parent,
        )
      : undefined;
    this.databaseName = this.database ? this.database.name : pulumi.output(args.databaseName);
    const db = this.databaseName;

    for (const ix of args.indexes) {
      new gcp.firestore.Index(
        `${name}-index-${ix.name}`,
        {
          project: args.project,
          database: db,
          collection: ix.collection,
          queryScope: ix.queryScope,
          fields: ix.fields.map((f) => ({ fieldPath: f.fieldPath, order: f.order })),
        },
        parent,
      );
    }

    for (const ttl of args.ttlPolicies) {
      new gcp.firestore.Field(
        `${name}-ttl-${ttl.collection}-${ttl.field}`,
        {
          project: args.project,
          database: db,
          collection: ttl.collection,
          field: ttl.field,
          ttlConfig: {},
          // No indexConfig: the field keeps the default single-field indexes, because the stages
          // also delete expired state by querying this field (the emulator has no TTL).
        },
        parent,
      );
    }

    for (const ex of args.indexExemptions) {
      new gcp.firestore.Field(
        `${name}-noindex-${ex.collection}-${ex.field}`,
        {
          project: args.project,
          database: db,
          collection: ex.collection,
          field: ex.field,
          // An empty index config disables the field's single-field indexes.
          indexConfig: {},
        },
        parent,
      );
    }

    for (const u of args.users) {
      new gcp.projects.IAMMember(
        `${name}-user-${u.name}`,
        {
          project: args.project,
          role: 'roles/datastore.user',
          member: u.member,
          condition: {
            title: `only-${args.databaseName}`,
            description: `Firestore access limited to the ${args.databaseName} database`,
            expression: pulumi.interpolate`resource.name == "projects/${args.project}/databases/${args.databaseName}"`,
          },
        },
        parent,
      );
    }

    this.registerOutputs({ databaseName: this.databaseName });
  }
}
