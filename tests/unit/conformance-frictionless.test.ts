/**
 * The Data Package as Frictionless' own JavaScript validators read it (datapackage + tableschema,
 * what `frictionless validate` does): the descriptor against the data-package profile, then every
 * row of every tabular resource cast against its Table Schema, primary and foreign keys included.
 * The files are written to a folder first, as a harvester downloads them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Package } from 'datapackage';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { fixtureSnapshot } from '#tests/support/render-fixture';

const folder = mkdtempSync(join(tmpdir(), 'frictionless-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

for (const artifact of renderPlanArtifacts(fixtureSnapshot())) {
  const path = join(folder, artifact.key.replace('plans/terrassa-2015-2019/', ''));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, artifact.body);
}

interface CastError {
  rowNumber?: number;
  errors?: Array<{ message: string }>;
  message: string;
}

/** Every cast, constraint, key and relation error of a resource, as messages (empty when valid). */
async function resourceErrors(resource: {
  read(options: { relations?: boolean; forceCast?: boolean; cast?: boolean }): Promise<unknown[]>;
}): Promise<string[]> {
  const messages: string[] = [];
  try {
    const rows = await resource.read({ relations: true, forceCast: true });
    for (const row of rows) {
      if (row instanceof Error) {
        const error = row as CastError;
        messages.push(...(error.errors?.length ? error.errors.map((e) => `row ${error.rowNumber}: ${e.message}`) : [error.message]));
      }
    }
  } catch (error) {
    // The foreign-key check aborts on the referenced table's first cast error.
    messages.push(`aborted: ${(error as Error).message}`);
  }
  return messages;
}

describe('datapackage.json with the Frictionless validators', () => {
  it('is a valid data-package descriptor whose every resource validates, rows and foreign keys included', async () => {
    const dataPackage = await Package.load(join(folder, 'datapackage.json'));
    expect(dataPackage.errors.map((e) => e.message)).toEqual([]);
    expect(dataPackage.valid).toBe(true);

    const tabular = dataPackage.resources.filter((r) => r.tabular);
    expect(tabular.map((r) => r.name)).toEqual(['commitments', 'updates-2018-11', 'updates-2019-06']);
    const report: Record<string, string[]> = {};
    for (const resource of tabular) {
      expect(resource.valid, `${resource.name}: ${resource.errors.map((e) => e.message).join('; ')}`).toBe(true);
      report[resource.name] = await resourceErrors(resource);
    }
    expect(report).toEqual({ commitments: [], 'updates-2018-11': [], 'updates-2019-06': [] });

    // Each row was read and cast (the check above is not vacuous).
    const commitments = dataPackage.getResource('commitments');
    const rows = (await commitments.read({ keyed: true })) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(3);
    expect(rows[0]!.reported_at).toBeInstanceOf(Date);
  });
});
