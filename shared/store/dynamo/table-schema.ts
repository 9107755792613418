/** The table's key schema, shared by the CDK stack and the local runtime so they cannot drift. */
export const TABLE_SCHEMA = {
  partitionKey: 'PK',
  sortKey: 'SK',
  timeToLiveAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  /**
   * Local secondary indexes over a plan's history items, so the publisher reads a commitment's or
   * an area's latest updates without reading the whole history. Local, not global: they share the
   * plan's partition and allow strongly consistent reads, so a publish never misses an update the
   * stream already told it about (a global index is eventually consistent).
   */
  localIndexes: [
    { indexName: 'byCommitment', sortKey: 'byCommitment' },
    { indexName: 'byArea', sortKey: 'byArea' },
  ],
} as const;

/** CreateTable's attribute definitions and key schema for the table and its local indexes. */
export function tableKeyDefinitions() {
  const { partitionKey, sortKey, localIndexes } = TABLE_SCHEMA;
  return {
    AttributeDefinitions: [partitionKey, sortKey, ...localIndexes.map((index) => index.sortKey)].map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    LocalSecondaryIndexes: localIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
