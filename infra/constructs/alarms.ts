/**
 * The alarms, on one SNS topic: publishing failing or falling behind, dead letters, and the
 * API's 5xx, errors and throttles. Each notifies on ALARM and again on OK.
 */
import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { MandatFunction } from './mandat-function.ts';

export interface AlarmsProps {
  stage: string;
  /** Subscribed to the topic when given. */
  email?: string;
  ingest: MandatFunction;
  apiStage: apigw.HttpStage;
  publish: MandatFunction;
  deadLetters: sqs.Queue;
}

/** Made directly in the stack, like every part of it, so logical IDs do not depend on the split. */
export class Alarms {
  readonly topic: sns.Topic;

  constructor(stack: Stack, props: AlarmsProps) {
    const { ingest, publish } = props;
    this.topic = new sns.Topic(stack, 'AlarmTopic', {
      displayName: `Mandat Obert alarms (${props.stage})`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names, metrics and thresholds; encrypting them would need a customer-managed key whose policy admits CloudWatch, for no data worth protecting.',
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    const notify = new cloudwatchActions.SnsAction(this.topic);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number) => {
      const created = new cloudwatch.Alarm(stack, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is not a failure.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    // A plan that failed is reported as a batch item failure, not as a Lambda error, so the
    // handler's ERROR log lines are counted too.
    const publishFailures = new logs.MetricFilter(stack, 'PublishFailureCount', {
      logGroup: publish.logGroup,
      metricNamespace: `MandatObert/${props.stage}`,
      metricName: 'PublishFailures',
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricValue: '1',
    });

    alarm(
      'PublishErrorsAlarm',
      'The publish function failed (crash or timeout): feeds may be stale until the batch is retried.',
      publish.fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'PublishFailuresAlarm',
      'Publishing a plan failed (logged at ERROR); its stream records are being retried.',
      publishFailures.metric({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'PublishIteratorAgeAlarm',
      'The feeds are more than 5 minutes behind the table: publishing is stuck or failing.',
      publish.fn.metric('IteratorAge', { period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      Duration.minutes(5).toMilliseconds(),
    );
    alarm(
      'PublishDeadLettersAlarm',
      'Stream records gave up after their retries: their plans need a republish (see docs/DEPLOY.md).',
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      1,
    );
    alarm(
      'Api5xxAlarm',
      'The ingest API answered 5xx: officials’ updates are failing.',
      props.apiStage.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'IngestErrorsAlarm',
      'The ingest function failed (crash or timeout).',
      ingest.fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
    alarm(
      'IngestThrottlesAlarm',
      'Ingest hit its reserved concurrency: requests were refused.',
      ingest.fn.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      1,
    );
  }
}
