/**
 * The data files as a portal and a spreadsheet read them: every CSV parsed and checked against
 * the Table Schema that datapackage.json declares for it; the README; the DCAT-AP catalog
 * expanded as JSON-LD with no network.
 */
import { describe, expect, it, vi } from 'vitest';
import { renderPlanArtifacts } from '#shared/publish/publish';
import { datasetRecordKey, parseDatasetRecord, renderCatalog, renderDatasetRecord } from '#shared/render/dcat';
import { expandJsonLd, NS, ofType, readCsvAgainstSchema, type SchemaField, values } from '#tests/support/feed-checks';
import { FIXTURE_BASE_URL, fixtureSnapshot } from '#tests/support/render-fixture';

const snapshot = fixtureSnapshot();
const artifacts = new Map(renderPlanArtifacts(snapshot).map((a) => [a.key.replace('plans/terrassa-2015-2019/', ''), a]));
const body = (path: string) => artifacts.get(path)!.body as string;

interface Resource {
  name: string;
  path: string;
  profile: string;
  format: string;
  mediatype: string;
  encoding: string;
  schema?: { fields: SchemaField[]; missingValues: string[]; primaryKey: string[]; foreignKeys?: unknown[] };
}
const datapackage = JSON.parse(body('datapackage.json')) as {
  name: string;
  licenses: Array<{ name: string; path: string }>;
  sources: Array<{ title: string; path: string }>;
  contributors: Array<{ title: string; role: string }>;
  resources: Resource[];
};

describe('datapackage.json', () => {
  it('has one resource per CSV and JSON file, each pointing at a file that is published', () => {
    const dataFiles = [...artifacts.keys()].filter(
      (p) =>
        /\.(csv|json)$/.test(p) &&
        !p.includes('/feed.') &&
        p !== 'feed.json' &&
        p !== 'datapackage.json' &&
        !p.startsWith('areas/') &&
        !p.startsWith('commitments/'),
    );
    expect(datapackage.resources.map((r) => r.path).sort()).toEqual(dataFiles.sort());
    expect(new Set(datapackage.resources.map((r) => r.name)).size).toBe(datapackage.resources.length);
    for (const r of datapackage.resources) expect(r.name).toMatch(/^[a-z0-9._-]+$/);
    expect(datapackage.name).toBe('terrassa-2015-2019');
    expect(datapackage.licenses).toEqual([
      { name: 'CC-BY-4.0', path: 'https://creativecommons.org/licenses/by/4.0/', title: 'Creative Commons Attribution 4.0' },
    ]);
    expect(datapackage.sources[0]!.path).toBe('http://governobert.terrassa.cat/transparencia/');
    expect(datapackage.contributors).toEqual([expect.objectContaining({ title: 'Ajuntament de Terrassa', role: 'publisher' })]);
  });

  it('describes every CSV exactly: the parsed header, order and every cell match its Table Schema', () => {
    const csvResources = datapackage.resources.filter((r) => r.format === 'csv');
    expect(csvResources.map((r) => r.path)).toEqual(['commitments.csv', 'updates/2018/11.csv', 'updates/2019/06.csv']);
    for (const resource of csvResources) {
      expect(resource.profile).toBe('tabular-data-resource');
      expect(resource.mediatype).toBe('text/csv');
      const { rows } = readCsvAgainstSchema(body(resource.path), resource.schema!);
      expect(rows.length).toBeGreaterThan(0);
    }
    const commitments = readCsvAgainstSchema(body('commitments.csv'), csvResources[0]!.schema!).rows;
    expect(commitments.map((r) => r.commitment_id)).toEqual(['c4', 'c5', 'c12']);
    // The related links: a column of "title <url>" lines, as in the history (links.csv until issue 18).
    const c4 = snapshot.commitments.find((c) => c.commitmentId === 'c4')!;
    expect(c4.links).toHaveLength(2);
    expect(commitments[0]!.links).toBe(c4.links.map((l) => `${l.title} <${l.url}>`).join('\n'));
    expect(commitments[0]!.links_count).toBe('2');
    expect(Object.keys(commitments[0]!).at(-1)).toBe('links');
  });

  it('declares the keys: primary keys, and foreign keys to the commitments', () => {
    const byPath = new Map(datapackage.resources.map((r) => [r.path, r]));
    expect(byPath.get('commitments.csv')!.schema!.primaryKey).toEqual(['commitment_id']);
    expect(byPath.get('updates/2019/06.csv')!.schema!.foreignKeys).toEqual([
      { fields: ['commitment_id'], reference: { resource: 'commitments', fields: ['commitment_id'] } },
    ]);
    expect(byPath.get('updates/2019/06.csv')!.schema!.primaryKey).toEqual(['update_id']);
    expect(byPath.get('commitments.json')!).toMatchObject({ profile: 'data-resource', format: 'json', mediatype: 'application/json' });
  });
});

describe('CSV content', () => {
  it('neutralises formula cells, keeps quotes, commas, newlines and emoji, and turns Markdown into plain text', () => {
    const schema = JSON.parse(body('datapackage.json')).resources.find((r: Resource) => r.path === 'commitments.csv').schema;
    const { rows } = readCsvAgainstSchema(body('commitments.csv'), schema);
    expect(rows[1]!.commitment_title).toBe("'-Impulsarem el comerç de proximitat");
    const observations = rows[0]!.observations!;
    expect(observations).toContain('Licitació adjudicada, "cometes", comes, i emoji 🎉🏗️.');
    expect(observations).toContain('\n');
    expect(observations).toContain('=HYPERLINK(');
    expect(observations).not.toContain('**');
    expect(rows[0]!.area).toBe('Desenvolupament Econòmic, Indústria i Ocupació');
    expect(body('commitments.csv')).toContain('\r\n');
  });

  it('puts the history of each month in its own file, oldest first', () => {
    const schema = JSON.parse(body('datapackage.json')).resources.find((r: Resource) => r.path === 'updates/2019/06.csv').schema;
    const rows = readCsvAgainstSchema(body('updates/2019/06.csv'), schema).rows;
    expect(rows.map((r) => [r.update_id, r.previous_status, r.status])).toEqual([
      ['3b241101-e2bb-4255-8caf-4136c566a962', 'pending', 'delayed'],
    ]);
    expect(JSON.parse(body('updates/2018/11.json'))).toMatchObject({ year: 2018, month: '2018-11', updates: [expect.anything()] });
    expect(datapackage.resources.map((r) => r.name)).toContain('updates-2019-06');
  });
});

describe('README.md data dictionary', () => {
  const readme = body('README.md');

  it('explains every file with its row count, every column, the status vocabulary and the data time', () => {
    expect(readme).toContain('| [commitments.csv](commitments.csv) | Estat actual de cada compromís | 3 |');
    expect(readme).not.toContain('links.csv');
    expect(readme).toMatch(/\| \[updates\/2019\/06\.csv\]\(updates\/2019\/06\.csv\) \| .* \(2019-06\) \| {2}\|/);
    for (const resource of datapackage.resources.filter((r) => r.schema)) {
      for (const field of resource.schema!.fields) expect(readme).toContain(`| \`${field.name}\` | ${field.type} |`);
    }
    expect(readme).toContain('| `delayed` | En execució però amb retard |');
    expect(readme).toContain('Generat a partir de les dades a: 2019-06-30\n');
    expect(readme).toContain('## Notes');
  });

  it('keeps its bytes when an update changes the history, the commitments state and their links (no PUT)', () => {
    const later = fixtureSnapshot();
    const c = later.commitments[0]!;
    // An update replaces its commitment's links: commitments.csv changes, the README does not.
    const links = [
      ...c.links,
      { title: 'Acta', url: 'https://example.org/acta.pdf' },
      { title: 'Plec', url: 'https://example.org/plec.pdf' },
    ];
    later.commitments[0] = { ...c, status: 'on_track', updatedAt: '2019-06-30T18:00:00.000Z', links };
    later.generatedAt = '2019-06-30T18:00:00.000Z';
    later.history.months!.get('2019-06')!.count += 1;
    const readmeOf = (s: typeof later) => renderPlanArtifacts(s).find((a) => a.key.endsWith('README.md'))!.body;
    expect(readmeOf(later)).toBe(readme);
  });

  it('is in the plan language', () => {
    const english = renderPlanArtifacts(fixtureSnapshot({ language: 'en' })).find((a) => a.key.endsWith('README.md'))!.body;
    expect(english).toContain('| `delayed` | In progress, delayed |');
    expect(english).toContain('Data dictionary');
  });
});

describe('DCAT-AP catalog', () => {
  it('expands offline to a dcat:Catalog whose dataset has the DCAT-AP properties and a distribution per file', async () => {
    const record = renderDatasetRecord(snapshot);
    const catalog = renderCatalog(FIXTURE_BASE_URL, [parseDatasetRecord(record)]);
    const graph = await expandJsonLd(catalog);
    const [cat] = ofType(graph, `${NS.dcat}Catalog`);
    expect(cat!['@id']).toBe(`${FIXTURE_BASE_URL}/catalog.jsonld`);
    const [dataset] = ofType(graph, `${NS.dcat}Dataset`);
    expect(values(cat!, `${NS.dcat}dataset`).map((d) => d['@id'])).toEqual([dataset!['@id']]);
    expect(values(dataset!, `${NS.dct}title`)).toEqual([{ '@value': 'Terrassa: Pla de Mandat 2015-2019', '@language': 'ca' }]);
    expect(values(dataset!, `${NS.dct}description`)[0]!['@value']).toContain('Balanç del Pla de Mandat');
    // The EU licence authority table's IRI for CC-BY-4.0, as DCAT-AP asks.
    expect(values(dataset!, `${NS.dct}license`)).toEqual([{ '@id': 'http://publications.europa.eu/resource/authority/licence/CC_BY_4_0' }]);
    expect(values(dataset!, `${NS.dct}language`).map((l) => l['@id'])).toEqual([
      'http://publications.europa.eu/resource/authority/language/CAT',
      'http://publications.europa.eu/resource/authority/language/SPA',
      'http://publications.europa.eu/resource/authority/language/ENG',
    ]);
    expect(values(dataset!, `${NS.dct}modified`)).toEqual([{ '@value': '2019-06-30', '@type': 'http://www.w3.org/2001/XMLSchema#date' }]);
    const publisher = graph.find((n) => n['@id'] === values(dataset!, `${NS.dct}publisher`)[0]!['@id'])!;
    expect(values(publisher, `${NS.foaf}name`)[0]!['@value']).toBe('Ajuntament de Terrassa');

    const distributions = values(dataset!, `${NS.dcat}distribution`).map((ref) => graph.find((n) => n['@id'] === ref['@id'])!);
    const downloads = distributions.map((d) => values(d, `${NS.dcat}downloadURL`)[0]!['@id']);
    // The area, commitment and list pages are pages beside the data, not distributions.
    const planFiles = [...artifacts.keys()].filter((p) => !/^(areas|commitments|statuses|priorities)\//.test(p));
    expect(downloads.sort()).toEqual(planFiles.map((p) => `${FIXTURE_BASE_URL}/plans/terrassa-2015-2019/${p}`).sort());
    for (const d of distributions) {
      expect(d['@type']).toEqual([`${NS.dcat}Distribution`]);
      expect(values(d, `${NS.dcat}accessURL`)).toHaveLength(1);
      expect(values(d, `${NS.dcat}mediaType`)[0]!['@id']).toMatch(
        /^https:\/\/www\.iana\.org\/assignments\/media-types\/[a-z]+\/[a-z0-9.+-]+$/,
      );
    }
    const csv = distributions.find((d) => values(d, `${NS.dcat}downloadURL`)[0]!['@id'].endsWith('/commitments.csv'))!;
    expect(values(csv, `${NS.dcat}mediaType`)[0]!['@id']).toBe('https://www.iana.org/assignments/media-types/text/csv');
    expect(values(csv, `${NS.dct}format`)[0]!['@id']).toBe('http://publications.europa.eu/resource/authority/file-type/CSV');
    expect(datasetRecordKey('terrassa-2015-2019')).toBe('catalog/plans/terrassa-2015-2019.jsonld');
  });

  it('still assembles the root from records written before a property was added (until their plan republishes)', () => {
    const {
      'dct:issued': _issued,
      'dct:license': _license,
      'dct:spatial': _spatial,
      ...old
    } = parseDatasetRecord(renderDatasetRecord(snapshot));
    const catalog = JSON.parse(renderCatalog(FIXTURE_BASE_URL, [old, parseDatasetRecord(renderDatasetRecord(snapshot))]));
    expect(catalog['dct:issued']['@value']).toBe('2019-01-10T09:00:00.000Z');
    expect(catalog['dct:license']['@id']).toBe('http://publications.europa.eu/resource/authority/licence/CC_BY_4_0');
    expect(catalog['dct:spatial']).toEqual([{ '@id': 'https://sws.geonames.org/3108286/' }]);
  });
});

describe('stability', () => {
  it('renders the same bytes for the same data, whatever the clock says', () => {
    // Years later: a zip (the spreadsheet) stamps its entries with the clock unless told otherwise.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2031-03-04T05:06:07Z') });
    let again: ReturnType<typeof renderPlanArtifacts>;
    try {
      again = renderPlanArtifacts(fixtureSnapshot());
    } finally {
      vi.useRealTimers();
    }
    expect(again.map((a) => a.key)).toContain('plans/terrassa-2015-2019/commitments.xlsx');
    for (const artifact of again)
      expect(artifact.body, artifact.key).toEqual(artifacts.get(artifact.key.replace('plans/terrassa-2015-2019/', ''))!.body);
    for (const artifact of again) {
      // Text has its charset; the spreadsheet is binary.
      expect(artifact.contentType).toMatch(typeof artifact.body === 'string' ? /; charset=utf-8/ : /spreadsheetml/);
      expect(artifact.cacheControl).toMatch(/max-age=\d+/);
    }
  });
});
