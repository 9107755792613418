/**
 * What one accepted update costs on AWS, from list prices and the counts and bytes the bench
 * measured. Prices are US East (N. Virginia) list prices, on-demand, without free tiers; other
 * regions differ by a few percent. Update PRICES when AWS changes them.
 */
export const PRICES = {
  checked: '2026-11',
  region: 'us-east-1',
  sources: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/s3/pricing/',
    'https://aws.amazon.com/cloudfront/pricing/',
  ],
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  /** GetRecords made by a Lambda event source mapping are not charged. */
  streamsReadByLambda: 0,
  s3PerPut: 0.005 / 1000,
  /** LIST is billed with PUT, COPY and POST. */
  s3PerList: 0.005 / 1000,
  s3PerGet: 0.0004 / 1000,
  cloudFrontPerGb: 0.085,
  cloudFrontPerHttpsRequest: 0.01 / 10_000,
} as const;

/** Memory the functions are assumed to be deployed with (the CDK stack decides). */
export const ASSUMED_MEMORY_MB = { ingest: 512, publish: 1024 } as const;

export interface CostInputs {
  label: string;
  /** Ingest: handler time (ms), write units of its transaction, read units of its 3 reads. */
  ingestMs: number;
  ingestWriteUnits: number;
  ingestReadUnits: number;
  /** Publish, per accepted update: regenerations, handler time, read units, PUTs, LISTs. */
  publishInvocationsPerUpdate: number;
  publishMsPerUpdate: number;
  publishReadUnitsPerUpdate: number;
  s3PutsPerUpdate: number;
  s3ListsPerUpdate: number;
  /** GETs of the previous round's commitments snapshot and of the touched months' published files. */
  s3GetsPerUpdate?: number;
  /** HEADs the store makes to tell what changed, billed as GETs. */
  s3HeadsPerUpdate: number;
  /**
   * The publisher's own DynamoDB requests around a publish (measured units): the lease (acquire,
   * record, release), ordering the queued updates (one transaction) and the state reads.
   */
  publisherWriteUnitsPerUpdate?: number;
  publisherReadUnitsPerUpdate?: number;
  /** The commitments snapshot's PUT, when not in s3PutsPerUpdate (one-at-a-time rounds write it once every so many revisions). */
  snapshotPutsPerUpdate?: number;
  /** The site root's check (a LIST of catalog/, made by a round whose plan's record changed), when not already in s3ListsPerUpdate. */
  siteListsPerUpdate?: number;
  /** Bytes of commitments.csv + feed.rss, which change with every update, fetched once per follower. */
  changedFeedBytes: number;
}

export interface CostLine {
  item: string;
  quantity: string;
  usdPerMillionUpdates: number;
}

export interface CostModel {
  label: string;
  inputs: CostInputs;
  lines: CostLine[];
  usdPerUpdate: number;
  usdPerMillionUpdates: number;
  /** CloudFront, per update, for every 1,000 followers who download the changed files once. */
  cloudFrontUsdPerUpdatePer1000Followers: number;
}

export function costModel(inputs: CostInputs): CostModel {
  const gbSeconds = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const million = 1e6;
  const lines: CostLine[] = [
    {
      item: 'Lambda ingest (GB-s + request)',
      quantity: `${inputs.ingestMs.toFixed(0)} ms × ${ASSUMED_MEMORY_MB.ingest} MB, 1 request`,
      usdPerMillionUpdates:
        million * (gbSeconds(inputs.ingestMs, ASSUMED_MEMORY_MB.ingest) * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest),
    },
    {
      item: 'DynamoDB writes (transaction)',
      quantity: `${inputs.ingestWriteUnits} WRU`,
      usdPerMillionUpdates: million * inputs.ingestWriteUnits * PRICES.dynamoPerWriteUnit,
    },
    {
      item: 'DynamoDB reads (ingest: key, plan, commitment)',
      quantity: `${inputs.ingestReadUnits} RRU`,
      usdPerMillionUpdates: million * inputs.ingestReadUnits * PRICES.dynamoPerReadUnit,
    },
    {
      item: 'DynamoDB Streams reads',
      quantity: 'by the Lambda event source mapping',
      usdPerMillionUpdates: 0,
    },
    {
      item: 'Lambda publish (GB-s + requests)',
      quantity: `${inputs.publishMsPerUpdate.toFixed(0)} ms × ${ASSUMED_MEMORY_MB.publish} MB, ${inputs.publishInvocationsPerUpdate.toFixed(3)} requests`,
      usdPerMillionUpdates:
        million *
        (gbSeconds(inputs.publishMsPerUpdate, ASSUMED_MEMORY_MB.publish) * PRICES.lambdaArmPerGbSecond +
          inputs.publishInvocationsPerUpdate * PRICES.lambdaPerRequest),
    },
    {
      item: 'DynamoDB reads (publish)',
      quantity: `${inputs.publishReadUnitsPerUpdate.toFixed(1)} RRU`,
      usdPerMillionUpdates: million * inputs.publishReadUnitsPerUpdate * PRICES.dynamoPerReadUnit,
    },
    {
      item: 'DynamoDB writes (publisher: ordering transaction, lease)',
      quantity: `${(inputs.publisherWriteUnitsPerUpdate ?? 0).toFixed(1)} WRU`,
      usdPerMillionUpdates: million * (inputs.publisherWriteUnitsPerUpdate ?? 0) * PRICES.dynamoPerWriteUnit,
    },
    {
      item: 'DynamoDB reads (publisher: lease, state, ordering)',
      quantity: `${(inputs.publisherReadUnitsPerUpdate ?? 0).toFixed(1)} RRU`,
      usdPerMillionUpdates: million * (inputs.publisherReadUnitsPerUpdate ?? 0) * PRICES.dynamoPerReadUnit,
    },
    {
      item: 'S3 PUT + LIST',
      quantity: `${inputs.s3PutsPerUpdate.toFixed(2)} PUT, ${inputs.s3ListsPerUpdate.toFixed(2)} LIST`,
      usdPerMillionUpdates: million * (inputs.s3PutsPerUpdate * PRICES.s3PerPut + inputs.s3ListsPerUpdate * PRICES.s3PerList),
    },
    {
      item: 'S3 PUT (commitments snapshot, amortized)',
      quantity: inputs.snapshotPutsPerUpdate === undefined ? 'in the PUT count above' : `${inputs.snapshotPutsPerUpdate.toFixed(3)} PUT`,
      usdPerMillionUpdates: million * (inputs.snapshotPutsPerUpdate ?? 0) * PRICES.s3PerPut,
    },
    {
      item: "S3 LIST (site root: catalog/, in a round whose plan's record changed)",
      quantity: inputs.siteListsPerUpdate === undefined ? 'in the LIST count above' : `${inputs.siteListsPerUpdate.toFixed(2)} LIST`,
      usdPerMillionUpdates: million * (inputs.siteListsPerUpdate ?? 0) * PRICES.s3PerList,
    },
    {
      item: 'S3 GET (previous snapshot, touched months)',
      quantity: `${(inputs.s3GetsPerUpdate ?? 0).toFixed(2)} GET`,
      usdPerMillionUpdates: million * (inputs.s3GetsPerUpdate ?? 0) * PRICES.s3PerGet,
    },
    {
      item: 'S3 HEAD (what changed; billed as GET)',
      quantity: `${inputs.s3HeadsPerUpdate.toFixed(2)} HEAD`,
      usdPerMillionUpdates: million * inputs.s3HeadsPerUpdate * PRICES.s3PerGet,
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.usdPerMillionUpdates, 0);
  // Each follower fetches the changed files (commitments.csv and feed.rss) once; the edge's own
  // fetch from S3 is free of transfer and a handful of GETs, left out.
  const cloudFront = 1000 * ((inputs.changedFeedBytes / 2 ** 30) * PRICES.cloudFrontPerGb + 2 * PRICES.cloudFrontPerHttpsRequest);
  return {
    label: inputs.label,
    inputs,
    lines,
    usdPerUpdate: total / million,
    usdPerMillionUpdates: total,
    cloudFrontUsdPerUpdatePer1000Followers: cloudFront,
  };
}
