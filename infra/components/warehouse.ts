import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** One BigQuery column, in the API's schema JSON shape. */
export interface BigQueryField {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: BigQueryField[];
}

export interface WarehouseTableArgs {
  tableId: string;
  description: string;
  schema: BigQueryField[];
  /** Daily (or hourly) partitioning on a TIMESTAMP/DATE column; partitions expire after `expirationMs`. */
  partitioning: { field: string; type: 'DAY' | 'HOUR'; expirationMs?: number };
  /** Up to four clustering columns, most selective first. */
  clustering: string[];
  /** Force queries to prune partitions (a cost guardrail). */
  requirePartitionFilter: boolean;
}

export interface WarehouseViewArgs {
  tableId: string;
  description: string;
  /** Standard SQL; fully qualified table references. */
  query: string;
  /** Tables and views of this dataset the SQL reads; they are created first. */
  dependsOn: string[];
}

export interface WarehouseArgs {
  project: pulumi.Input<string>;
  /** BigQuery location (`US`, `EU`, or a region). */
  location: string;
  datasetId: string;
  description: string;
  /** Default expiration of partitions in new partitioned tables, from the pipeline's retention. */
  defaultPartitionExpirationMs?: number;
  tables: WarehouseTableArgs[];
  views: WarehouseViewArgs[];
  /**
   * Identities that stream rows into specific tables: `roles/bigquery.dataEditor` on each of those
   * tables only (BigQuery's streaming insert needs `tables.updateData` on the table, nothing more).
   */
  tableWriters: { table: string; name: string; member: pulumi.Input<string> }[];
  /** Identities that read the dataset (e.g. a side-input lookup): `roles/bigquery.dataViewer` on it. */
  dataViewers: { name: string; member: pulumi.Input<string> }[];
  /** Refuse to delete tables with data (`pulumi destroy` then fails until it is turned off). */
  protectData: boolean;
  labels: Record<string, string>;
}

/**
 * The pipeline's BigQuery dataset: tables partitioned, clustered and expiring as the definition
 * says, views over them (latest pane per window, deduplicated events, data marts), and dataset-level
 * grants for the stages that write or read it.
 */
export class Warehouse extends pulumi.ComponentResource {
  readonly dataset: gcp.bigquery.Dataset;
  readonly tables: Map<string, gcp.bigquery.Table>;
  readonly views: Map<string, gcp.bigquery.Table>;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(args);
    super('sluice:infra:Warehouse', name, {}, opts);
    const parent = { parent: this };

    this.dataset = new gcp.bigquery.Dataset(
      name,
      {
        project: args.project,
        datasetId: args.datasetId,
        location: args.location,
        description: args.description,
        labels: args.labels,
        deleteContentsOnDestroy: !args.protectData,
        ...(args.defaultPartitionExpirationMs !== undefined
          ? { defaultPartitionExpirationMs: args.defaultPartitionExpirationMs }
          : {}),
      },
      parent,
    );

    this.tables = new Map();
    for (const t of args.tables) {
      this.tables.set(
        t.tableId,
        new gcp.bigquery.Table(
          `${name}-${t.tableId}`,
          {
            project: args.project,
            datasetId: this.dataset.datasetId,
            tableId: t.tableId,
            description: t.description,
            schema: JSON.stringify(t.schema),
            timePartitioning: {
              type: t.partitioning.type,
              field: t.partitioning.field,
              ...(t.partitioning.expirationMs !== undefined ? { expirationMs: t.partitioning.expirationMs } : {}),
            },
            requirePartitionFilter: t.requirePartitionFilter,
            clusterings: t.clustering,
            deletionProtection: args.protectData,
            labels: args.labels,
          },
          parent,
        ),
      );
    }

    this.views = new Map();
    for (const v of args.views) {
      const deps = v.dependsOn.map((d) => this.tables.get(d) ?? this.views.get(d)!);
      this.views.set(
        v.tableId,
        new gcp.bigquery.Table(
          `${name}-${v.tableId}`,
          {
            project: args.project,
            datasetId: this.dataset.datasetId,
            tableId: v.tableId,
            description: v.description,
            view: { query: v.query, useLegacySql: false },
            deletionProtection: false,
            labels: args.labels,
          },
          // A view is validated against what it reads on creation.
          { parent: this, dependsOn: deps },
        ),
      );
    }

    for (const w of args.tableWriters) {
      new gcp.bigquery.IamMember(
        `${name}-writer-${w.table}-${w.name}`,
        {
          project: args.project,
          datasetId: this.dataset.datasetId,
          tableId: this.tables.get(w.table)!.tableId,
          role: 'roles/bigquery.dataEditor',
          member: w.member,
        },
        parent,
      );
    }
    for (const e of args.dataViewers) {
      new gcp.bigquery.DatasetIamMember(
        `${name}-viewer-${e.name}`,
        { project: args.project, datasetId: this.dataset.datasetId, role: 'roles/bigquery.dataViewer', member: e.member },
        parent,
      );
    }

    this.registerOutputs({ datasetId: this.dataset.datasetId });
  }
}

/** BigQuery's partitioning and clustering rules, checked at preview. */
function validate(args: WarehouseArgs): void {
  const ids = new Set<string>();
  for (const t of [...args.tables, ...args.views]) {
    if (ids.has(t.tableId)) throw new Error(`dataset ${args.datasetId}: table or view "${t.tableId}" is defined twice`);
    ids.add(t.tableId);
  }
  const seen = new Set<string>();
  for (const t of args.tables) seen.add(t.tableId);
  for (const v of args.views) {
    for (const d of v.dependsOn) {
      if (!seen.has(d)) throw new Error(`view ${v.tableId} reads "${d}", which is not a table or an earlier view of ${args.datasetId}`);
    }
    seen.add(v.tableId);
  }
  for (const w of args.tableWriters) {
    if (!args.tables.some((t) => t.tableId === w.table)) throw new Error(`${w.name} writes to "${w.table}", which is not a table of ${args.datasetId}`);
  }
  for (const t of args.tables) {
    if (t.clustering.length > 4) {
      throw new RangeError(`table ${t.tableId}: BigQuery clusters on at most 4 columns; got ${t.clustering.length}`);
    }
    const fields = new Map(t.schema.map((f) => [f.name, f]));
    for (const col of [t.partitioning.field, ...t.clustering]) {
      if (!fields.has(col)) {
        throw new Error(`table ${t.tableId}: partition/cluster column "${col}" is not in the schema (${[...fields.keys()].join(', ')})`);
      }
    }
    const pType = fields.get(t.partitioning.field)?.type;
    if (!['TIMESTAMP', 'DATE', 'DATETIME'].includes(pType ?? '')) {
      throw new Error(`table ${t.tableId}: partition column "${t.partitioning.field}" must be TIMESTAMP, DATE or DATETIME; got ${pType}`);
    }
  }
}
