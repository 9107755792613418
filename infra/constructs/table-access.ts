/**
 * IAM statements on the table bounded by partition key, so each function's role names exactly
 * the items it may touch.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Item-level access: `actions` only on items whose partition key matches one of `partitions`.
 * ForAllValues is true for a request without partition keys, so Scan (which has none) must
 * never be among `actions`: it would be allowed on the whole table.
 */
export function itemStatement(
  table: dynamodb.ITable,
  actions: string[],
  partitions: string[],
  resources = [table.tableArn],
): iam.PolicyStatement {
  if (actions.includes('dynamodb:Scan')) throw new Error('dynamodb:Scan cannot be limited by dynamodb:LeadingKeys');
  return new iam.PolicyStatement({
    actions,
    resources,
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
}
