/**
 * DCAT-AP in JSON-LD (https://semiceu.github.io/DCAT-AP/): each plan is a dcat:Dataset, each
 * of its files a dcat:Distribution, all gathered in the root catalog.jsonld that CKAN's
 * ckanext-dcat and data.europa.eu harvest. Terms are written as compact IRIs with an inline
 * @context, so expanding the document needs no network.
 */
import { dashboardUrl, latest, type PlanSnapshot, planUrl } from './context.ts';
import { EU_FILE_TYPES, fileTitle, mediaType, planFiles } from './files.ts';
import { chromeLanguage, labelsFor } from './labels.ts';

export const CATALOG_FILE = 'catalog.jsonld';
/** One DCAT record per plan, read back to assemble the root catalog and the root index. */
export const datasetRecordKey = (planId: string) => `catalog/plans/${planId}.jsonld`;

export const DCAT_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

const EU_AUTHORITY = 'http://publications.europa.eu/resource/authority';

/** ISO 639-1 → the EU Publications Office language table (mostly ISO 639-2/B, upper case). */
const EU_LANGUAGES: Record<string, string> = {
  ca: 'CAT',
  es: 'SPA',
  en: 'ENG',
  fr: 'FRA',
  de: 'DEU',
  it: 'ITA',
  pt: 'POR',
  eu: 'EUS',
  gl: 'GLG',
  oc: 'OCI',
  nl: 'NLD',
  da: 'DAN',
  sv: 'SWE',
  fi: 'FIN',
  pl: 'POL',
  cs: 'CES',
  sk: 'SLK',
  sl: 'SLV',
  hr: 'HRV',
  hu: 'HUN',
  ro: 'RON',
  bg: 'BUL',
  el: 'ELL',
  et: 'EST',
  lv: 'LAV',
  lt: 'LIT',
  mt: 'MLT',
  ga: 'GLE',
  lb: 'LTZ',
  no: 'NOR',
};

export function euLanguageUri(language: string): string {
  const base = language.split('-')[0]!.toLowerCase();
  return `${EU_AUTHORITY}/language/${EU_LANGUAGES[base] ?? base.toUpperCase()}`;
}

const iri = (value: string) => ({ '@id': value });
const text = (value: string, language: string) => ({ '@value': value, '@language': language });
const typed = (value: string, type: 'xsd:date' | 'xsd:dateTime') => ({ '@value': value, '@type': type });

export interface TextNode {
  '@value': string;
  '@language'?: string;
}

/** The parts of a dataset node the root index reads back. */
export interface DatasetNode {
  '@id': string;
  '@type': 'dcat:Dataset';
  'dct:identifier': string;
  'dct:title': TextNode;
  'dct:description': TextNode;
  'dct:publisher': { 'foaf:name': string };
  'dct:modified': TextNode;
  'dcat:landingPage': { '@id': string };
  'dct:temporal': { '@type': string; 'dcat:startDate': TextNode; 'dcat:endDate': TextNode };
  [term: string]: unknown;
}

/** When the plan's data last changed, as a day: catalogs need no finer grain, and it keeps the root quiet. */
export function datasetModified(snapshot: PlanSnapshot): string {
  return latest(
    [...snapshot.latest.map((u) => u.receivedAt), ...snapshot.commitments.map((c) => c.updatedAt)],
    snapshot.plan.createdAt,
  ).slice(0, 10);
}

export function datasetNode(snapshot: PlanSnapshot): DatasetNode {
  const { plan } = snapshot;
  const lang = plan.language;
  const words = labelsFor(lang);
  const landing = dashboardUrl(snapshot);
  const publisher = {
    '@type': 'foaf:Agent',
    'foaf:name': plan.publisher.name,
    ...(plan.publisher.url ? { 'foaf:homepage': iri(plan.publisher.url) } : {}),
  };
  const distributions = planFiles(snapshot).map((file) => {
    const url = planUrl(snapshot, file.path);
    const euType = EU_FILE_TYPES[file.format];
    return {
      '@id': `${url}#distribution`,
      '@type': 'dcat:Distribution',
      'dct:title': text(fileTitle(file, words), lang),
      'dcat:accessURL': iri(url),
      'dcat:downloadURL': iri(url),
      'dcat:mediaType': iri(`https://www.iana.org/assignments/media-types/${mediaType(file.format)}`),
      ...(euType ? { 'dct:format': iri(`${EU_AUTHORITY}/file-type/${euType}`) } : {}),
      'dct:license': iri(plan.license.url),
      ...(file.kind === 'commitmentsCsv' || file.kind === 'linksCsv' || file.kind === 'updatesCsv'
        ? { 'dct:conformsTo': iri('https://www.rfc-editor.org/rfc/rfc4180') }
        : {}),
    };
  });
  const languages = [...new Set([plan.language, ...(plan.languages ?? [])])];
  return {
    '@id': `${planUrl(snapshot)}#dataset`,
    '@type': 'dcat:Dataset',
    'dct:identifier': plan.planId,
    'dct:title': text(`${plan.municipality}: ${plan.title}`, lang),
    'dct:description': text(plan.description || `${plan.municipality}: ${plan.title} (${plan.period.start}–${plan.period.end})`, lang),
    'dct:publisher': publisher,
    'dcat:contactPoint': {
      '@type': 'vcard:Organization',
      'vcard:fn': plan.publisher.name,
      ...(plan.publisher.email ? { 'vcard:hasEmail': iri(`mailto:${plan.publisher.email}`) } : {}),
      ...(plan.publisher.url ? { 'vcard:hasURL': iri(plan.publisher.url) } : {}),
    },
    'dct:license': iri(plan.license.url),
    'dct:language': languages.map((l) => iri(euLanguageUri(l))),
    'dct:issued': typed(plan.createdAt, 'xsd:dateTime'),
    'dct:modified': typed(datasetModified(snapshot), 'xsd:date'),
    'dct:temporal': {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': typed(`${plan.period.start}-01-01`, 'xsd:date'),
      'dcat:endDate': typed(`${plan.period.end}-12-31`, 'xsd:date'),
    },
    'dct:accrualPeriodicity': iri(`${EU_AUTHORITY}/frequency/CONT`),
    'dcat:keyword': [text(plan.municipality, lang)],
    'dcat:landingPage': iri(landing),
    ...(plan.source ? { 'dct:source': iri(plan.source.url) } : {}),
    'dcat:distribution': distributions,
  };
}

/** A plan's DCAT record: a standalone JSON-LD document, also a building block of the root catalog. */
export function renderDatasetRecord(snapshot: PlanSnapshot): string {
  return JSON.stringify({ '@context': DCAT_CONTEXT, ...datasetNode(snapshot) }, null, 2) + '\n';
}

export function parseDatasetRecord(body: string): DatasetNode {
  const { '@context': _context, ...node } = JSON.parse(body) as DatasetNode & { '@context': unknown };
  return node as DatasetNode;
}

/** The language of the site's own words: the one most plans use (ties → alphabetical), else English. */
export function siteLanguage(datasets: DatasetNode[]): string {
  const counts = new Map<string, number>();
  for (const d of datasets) {
    const lang = chromeLanguage(d['dct:title']['@language'] ?? 'en');
    counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'en';
}

export function renderCatalog(baseUrl: string, datasets: DatasetNode[]): string {
  const sorted = [...datasets].sort((a, b) => a['dct:identifier'].localeCompare(b['dct:identifier']));
  const lang = siteLanguage(sorted);
  const words = labelsFor(lang);
  const publishers = [...new Set(sorted.map((d) => d['dct:publisher']['foaf:name']))];
  const languages = [...new Set(sorted.flatMap((d) => (d['dct:language'] as Array<{ '@id': string }>).map((l) => l['@id'])))].sort();
  // ISO timestamps compare as strings (Math.max would coerce them to NaN).
  const modified = sorted.reduce((latest, d) => (d['dct:modified']['@value'] > latest ? d['dct:modified']['@value'] : latest), '');
  const catalog = {
    '@context': DCAT_CONTEXT,
    '@id': `${baseUrl}/${CATALOG_FILE}`,
    '@type': 'dcat:Catalog',
    'dct:title': text(words.siteTitle, lang),
    'dct:description': text(words.siteIntro, lang),
    // One publisher for the whole site when every plan shares it (the usual case: one city).
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': publishers.length === 1 ? publishers[0] : 'Mandat Obert' },
    'foaf:homepage': iri(`${baseUrl}/`),
    'dct:language': languages.map(iri),
    ...(modified ? { 'dct:modified': typed(modified, 'xsd:date') } : {}),
    'dcat:dataset': sorted,
  };
  return JSON.stringify(catalog, null, 2) + '\n';
}
