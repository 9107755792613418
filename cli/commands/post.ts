/** `mandat post`: an official's signed status update. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensureOk, NetworkError, SignedClient } from '../client.ts';
import { type Command, DEFAULT_API_HELP, defaultApi, parse, requireOption } from '../command.ts';
import { bold, CliError, dim, EXIT, green, yellow } from '../output.ts';
import { sendWithRetries } from '../retry.ts';

const help = `Usage: mandat post --key FILE --plan ID --commitment ID --status CODE [options]

Signs (RFC 9421, ed25519) and posts a status update for one commitment.

Options:
  --key FILE              ed25519 private key (PKCS#8 PEM); keyid = file name without .pem
  --key-id ID             keyid, when it differs from the file name
  --plan ID               plan, e.g. terrassa-2015-2019
  --commitment ID         commitment, e.g. c4
  --status CODE           status code from the plan's vocabulary (not_started, pending, delayed, on_track)
  --observations TEXT     observations in Markdown
  --observations-file F   read observations from a file (- for standard input)
  --link "TITLE|URL"      a related link (repeat for several)
  --progress N            progress 0-100
  --reported-at ISO       when the status was reported (default: now)
  --if-match REV          only apply if the commitment is still at revision REV (else 412)
  --retries N             retries after a network error, a timeout or a 5xx (default 4); safe,
                          because every attempt carries the same Idempotency-Key
  --idempotency-key KEY   the Idempotency-Key to send (default: a new one for each run); give the
                          key printed by a run that failed to retry it without a duplicate
  --api URL               API base URL (default ${DEFAULT_API_HELP})
  --json                  print the server's JSON answer

Examples:
  mandat post --key .data/keys/demo-official.pem --plan terrassa-2015-2019 --commitment c4 \\
    --status delayed --observations "Licitació endarrerida."
  echo "- Fase 1 acabada" | mandat post --key k.pem --plan p --commitment c1 --status on_track --observations-file -`;

export const post: Command = {
  name: 'post',
  summary: 'sign and post a status update',
  help,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        key: { type: 'string' },
        'key-id': { type: 'string' },
        plan: { type: 'string' },
        commitment: { type: 'string' },
        status: { type: 'string' },
        observations: { type: 'string' },
        'observations-file': { type: 'string' },
        link: { type: 'string', multiple: true },
        progress: { type: 'string' },
        'reported-at': { type: 'string' },
        'if-match': { type: 'string' },
        retries: { type: 'string' },
        'idempotency-key': { type: 'string' },
        api: { type: 'string' },
        json: { type: 'boolean' },
      },
      help,
    );
    if (values.help) return void console.log(help);
    const plan = requireOption(values.plan, 'plan', help);
    const commitment = requireOption(values.commitment, 'commitment', help);
    const status = requireOption(values.status, 'status', help);
    let observations = values.observations;
    if (values['observations-file'] !== undefined) {
      observations = readFileSync(values['observations-file'] === '-' ? 0 : values['observations-file'], 'utf8');
    }
    if (observations === undefined) throw new CliError(`--observations or --observations-file is required\n\n${help}`, EXIT.usage);
    const links = (values.link ?? []).map((raw) => {
      const at = raw.lastIndexOf('|');
      if (at <= 0) throw new CliError(`--link must be "TITLE|URL", got "${raw}"`, EXIT.usage);
      return { title: raw.slice(0, at).trim(), url: raw.slice(at + 1).trim() };
    });
    const body: Record<string, unknown> = { status, observations };
    if (links.length > 0) body.links = links;
    if (values.progress !== undefined) {
      const progress = Number(values.progress);
      if (!Number.isInteger(progress)) throw new CliError('--progress must be a whole number 0-100', EXIT.usage);
      body.progress = progress;
    }
    if (values['reported-at']) body.reportedAt = values['reported-at'];
    const client = new SignedClient({
      api: values.api ?? defaultApi(),
      keyPath: requireOption(values.key, 'key', help),
      keyId: values['key-id'],
    });
    const retries = Number(values.retries ?? 4);
    if (!Number.isInteger(retries) || retries < 0) throw new CliError('--retries must be a whole number ≥ 0', EXIT.usage);
    const idempotencyKey = values['idempotency-key'] ?? randomUUID();
    if (!/^[\x20-\x7e]{1,255}$/.test(idempotencyKey) || /["\\]/.test(idempotencyKey)) {
      throw new CliError('--idempotency-key must be 1-255 printable ASCII characters without quotes or backslashes', EXIT.usage);
    }
    const headers: Record<string, string> = { 'idempotency-key': `"${idempotencyKey}"` };
    if (values['if-match'] !== undefined) headers['if-match'] = `"${values['if-match'].replace(/"/g, '')}"`;
    const path = `/api/v1/plans/${encodeURIComponent(plan)}/commitments/${encodeURIComponent(commitment)}/updates`;
    let sent;
    try {
      sent = await sendWithRetries(() => client.request('POST', path, body, headers), {
        attempts: retries + 1,
        onRetry: (reason, delayMs, attempt) =>
          console.error(
            yellow(
              `${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${retries + 1}, same Idempotency-Key)`,
            ),
          ),
      });
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new CliError(
          `${error.message}\nThe update may or may not have been recorded. To retry it without risk of a duplicate:\n  mandat post … --idempotency-key ${idempotencyKey}`,
          EXIT.failure,
        );
      }
      throw error;
    }
    const result = ensureOk(sent);
    if (values.json) return void console.log(JSON.stringify(result.body, null, 2));
    const answer = result.body as { updateId: string; revision: number; commitment: { status: string } };
    console.log(
      `${green('✓')} update ${bold(answer.updateId)} accepted: ${plan}/${commitment} is now ${bold(answer.commitment.status)} ${dim(`(revision ${answer.revision})`)}`,
    );
    if (result.headers.get('idempotent-replayed') === 'true')
      console.log(dim('  (recorded by an earlier attempt of this run; not duplicated)'));
    console.log(dim(`  feeds: ${client.api}/plans/${plan}/`));
  },
};
