/**
 * Who may import whom: the rooms of the code (README, "How the code is laid out"). Run by
 * `npm run lint`; tests/unit/boundaries.test.ts shows each rule failing on a planted import.
 */
const OURS = '^(shared|functions|infra|cli|bench|tests|scripts)/';
const AWS = '(^|node_modules/)(@aws-sdk|@smithy|@aws-lambda-powertools|aws-lambda|@types/aws-lambda|aws-cdk-lib|constructs)(/|$)';
const NETWORK = '^(http|https|http2|net|tls|dgram|dns)$';

/** A rule: files in `from` may import nothing of ours outside `allowed`. */
const onlyOurs = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: OURS, pathNot: allowed },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Import cycles make the rooms meaningless: a module cannot be read without its importers.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    onlyOurs('domain-is-pure', '^shared/domain/', '^shared/domain/', 'The domain imports nothing of ours but the domain.'),
    onlyOurs('config-stands-alone', '^shared/config/', '^shared/config/', 'Configuration imports nothing of ours.'),
    onlyOurs('render-reads-the-domain', '^shared/render/', '^shared/(domain|render)/', 'Renderers are pure: snapshot in, bytes out.'),
    onlyOurs(
      'signing-reads-the-domain',
      '^shared/signing/',
      '^shared/(domain|signing)/',
      'Signing knows the domain, never storage or the API.',
    ),
    onlyOurs(
      'store-ports-read-the-domain',
      '^shared/store/[^/]+$',
      '^shared/(domain/|store/[^/]+$)',
      'The ports are interfaces over the domain; adapters live in store/dynamo and store/s3.',
    ),
    onlyOurs(
      'dynamo-adapter',
      '^shared/store/dynamo/',
      '^shared/(domain/|store/[^/]+$|store/dynamo/|aws/)',
      'The DynamoDB adapter implements the ports; it knows no other adapter, the API or the publisher.',
    ),
    onlyOurs(
      's3-adapter',
      '^shared/store/s3/',
      '^shared/(domain/|store/[^/]+$|store/s3/|aws/)',
      'The S3 adapter implements the artifact port; it knows no other adapter, the API or the publisher.',
    ),
    onlyOurs(
      'kms-adapter',
      '^shared/kms/',
      '^shared/(domain|signing|kms|aws)/',
      'The KMS adapter implements the secret sealer of the signing room; it knows nothing else of ours.',
    ),
    onlyOurs('aws-client-options', '^shared/aws/', '^shared/aws/', 'Client options shared by the AWS adapters.'),
    onlyOurs(
      'api-uses-ports',
      '^shared/api/',
      '^shared/(domain|signing|api)/|^shared/store/[^/]+$',
      'The API is a function of a request over the ports: no adapter, no publisher.',
    ),
    onlyOurs(
      'publish-uses-ports',
      '^shared/publish/',
      '^shared/(domain|render|publish)/|^shared/store/[^/]+$',
      'The publisher renders and writes through the ports: no adapter, no API.',
    ),
    {
      name: 'no-aws-in-the-core',
      comment: 'Only adapters and composition roots know AWS: the core runs anywhere.',
      severity: 'error',
      from: { path: '^shared/(domain|render|signing|api|publish|config)/|^shared/store/[^/]+$' },
      to: { path: AWS },
    },
    {
      name: 'no-network-in-the-core',
      comment: 'Domain, renderers and ports never open a connection.',
      severity: 'error',
      from: { path: '^shared/(domain|render)/|^shared/store/[^/]+$' },
      to: { dependencyTypes: ['core'], path: NETWORK },
    },
    onlyOurs(
      'console-runs-in-the-browser',
      '^console/',
      '^(console|shared/render|shared/domain)/',
      'The signing console is a browser bundle: pure renderers and the domain, nothing that needs Node or AWS.',
    ),
    onlyOurs('functions-compose-shared', '^functions/', '^(shared|functions)/', 'Composition roots wire shared/ code; nothing else.'),
    onlyOurs(
      'cli-uses-shared',
      '^cli/',
      '^(shared|cli)/',
      'The CLI runs use cases with adapters; it imports no Lambda handler and no local runtime.',
    ),
    onlyOurs(
      'shared-imports-no-outer-layer',
      '^shared/',
      '^shared/',
      'shared/ never imports functions, infra, cli, bench, tests or scripts.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    exclude: { path: '^(cdk\\.out|\\.data)/' },
  },
};
