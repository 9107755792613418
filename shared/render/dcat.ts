/**
 * DCAT-AP in JSON-LD (https://semiceu.github.io/DCAT-AP/): each plan is a dcat:Dataset, each
 * of its files a dcat:Distribution, all gathered in the root catalog.jsonld that CKAN's
 * ckanext-dcat and data.europa.eu harvest. Terms are written as compact IRIs with an inline
 * @context, so expanding the document needs no network.
 */

import { EU_FILE_TYPES, fileTitle, IANA_MEDIA_TYPES, planFiles } from './files.ts';
import { chromeLanguage, labelsFor } from './labels.ts';
import { packJson, unpackJson } from './packed.ts';
import { dashboardUrl, latest, type PlanSnapshot, planUrl } from './snapshot.ts';

export const CATALOG_FILE = 'catalog.jsonld';
/** One DCAT record per plan, read back to assemble the root catalog and the root index. */
export const datasetRecordKey = (planId: string) => `catalog/plans/${planId}.jsonld`;

/**
 * The vocabulary tables of the records (the JSON-LD context; the EU Publications Office's
 * language and licence tables), packed into the Lambda bundle like the labels (packed.ts).
 */
const DCAT_TABLE_SOURCE = {
  context: {
    dcat: 'http://www.w3.org/ns/dcat#',
    dcatap: 'http://data.europa.eu/r5r/',
    skos: 'http://www.w3.org/2004/02/skos/core#',
    dct: 'http://purl.org/dc/terms/',
    foaf: 'http://xmlns.com/foaf/0.1/',
    locn: 'http://www.w3.org/ns/locn#',
    vcard: 'http://www.w3.org/2006/vcard/ns#',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
  },
  /** ISO 639-1 → the EU Publications Office language table (mostly ISO 639-2/B, upper case). */
  languages: {
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
  } as Record<string, string>,
  /**
   * Licences of the EU Publications Office licence table, by SPDX id or canonical URL: DCAT-AP
   * asks for that table's IRIs. A licence not in it is named by its own URL.
   */
  licences: {
    'CC-BY-4.0': 'CC_BY_4_0',
    'CC-BY-SA-4.0': 'CC_BYSA_4_0',
    'CC-BY-3.0': 'CC_BY_3_0',
    'CC-BY-SA-3.0': 'CC_BYSA_3_0',
    'CC0-1.0': 'CC0',
    'ODbL-1.0': 'ODBL_1_0',
    'ODC-By-1.0': 'ODC_BY_1_0',
    'PDDL-1.0': 'ODC_PDDL_1_0',
    'EUPL-1.2': 'EUPL_1_2',
    'OGL-UK-3.0': 'OGL_3_0',
  } as Record<string, string>,
  licenceUrls: {
    'creativecommons.org/licenses/by/4.0': 'CC-BY-4.0',
    'creativecommons.org/licenses/by-sa/4.0': 'CC-BY-SA-4.0',
    'creativecommons.org/licenses/by/3.0': 'CC-BY-3.0',
    'creativecommons.org/licenses/by-sa/3.0': 'CC-BY-SA-3.0',
    'creativecommons.org/publicdomain/zero/1.0': 'CC0-1.0',
    'opendatacommons.org/licenses/odbl/1-0': 'ODbL-1.0',
    'opendatacommons.org/licenses/odbl/1.0': 'ODbL-1.0',
    'opendatacommons.org/licenses/by/1-0': 'ODC-By-1.0',
    'opendatacommons.org/licenses/pddl/1-0': 'PDDL-1.0',
  } as Record<string, string>,
};

/** Replaced by esbuild's `define` in the Lambda bundles (`packDcatTables()`); absent (undefined) when run from source. */
declare const MANDAT_DCAT_TABLES: string | undefined;

/** The name the bundling defines. */
export const DCAT_TABLES_DEFINE = 'MANDAT_DCAT_TABLES';

export function packDcatTables(): string {
  return packJson(DCAT_TABLE_SOURCE);
}

const DCAT_TABLES: typeof DCAT_TABLE_SOURCE =
  typeof MANDAT_DCAT_TABLES === 'string' ? unpackJson<typeof DCAT_TABLE_SOURCE>(MANDAT_DCAT_TABLES) : DCAT_TABLE_SOURCE;

export const DCAT_CONTEXT = DCAT_TABLES.context;
const EU_AUTHORITY = 'http://publications.europa.eu/resource/authority';
const EU_LANGUAGES = DCAT_TABLES.languages;
const EU_LICENCES = DCAT_TABLES.licences;
const LICENCE_URLS = DCAT_TABLES.licenceUrls;

export function licenceUri(license: { id: string; url: string }): string {
  const byUrl = LICENCE_URLS[license.url.replace(/^https?:\/\/(www\.)?/, '').replace(/\/(legalcode)?(\.[a-z]+)?$/, '')];
  const code = EU_LICENCES[license.id] ?? EU_LICENCES[license.id.toUpperCase()] ?? (byUrl ? EU_LICENCES[byUrl] : undefined);
  return code ? `${EU_AUTHORITY}/licence/${code}` : license.url;
}

/** ADMS publisher type: the publishers of mandate plans are city councils. */
const LOCAL_AUTHORITY = 'http://purl.org/adms/publishertype/LocalAuthority';
/** The EU data theme of every plan: government and public sector. */
const DATA_THEMES = `${EU_AUTHORITY}/data-theme`;
/** The files' URLs are permanent: the EU planned-availability table's "stable". */
const STABLE = `${EU_AUTHORITY}/planned-availability/STABLE`;
const IANA_MEDIA_TYPE = 'https://www.iana.org/assignments/media-types/';

export function euLanguageUri(language: string): string {
  const base = language.split('-')[0]!.toLowerCase();
  return `${EU_AUTHORITY}/language/${EU_LANGUAGES[base] ?? base.toUpperCase()}`;
}

const iri = (value: string) => ({ '@id': value });
/** A link to something the shapes expect to be of a class (a web page is a foaf:Document, a licence a dct:LicenseDocument). */
const typedIri = (value: string, type: string, extra: Record<string, unknown> = {}) => ({ '@id': value, '@type': type, ...extra });
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
  // Optional: records published before these were added are read back until their plan republishes.
  'dct:issued'?: TextNode;
  'dct:license'?: { '@id': string };
  'dct:spatial'?: unknown;
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

/** The publisher as DCAT-AP describes an agent: a name and its ADMS type (a local authority). */
function publisherNode(name: string, homepage?: string) {
  return {
    '@type': 'foaf:Agent',
    'foaf:name': name,
    'dct:type': iri(LOCAL_AUTHORITY),
    ...(homepage ? { 'foaf:homepage': typedIri(homepage, 'foaf:Document') } : {}),
  };
}

export function datasetNode(snapshot: PlanSnapshot): DatasetNode {
  const { plan } = snapshot;
  const lang = plan.language;
  const words = labelsFor(lang);
  const landing = dashboardUrl(snapshot);
  const license = typedIri(licenceUri(plan.license), 'dct:LicenseDocument');
  const distributions = planFiles(snapshot).map((file) => {
    const url = planUrl(snapshot, file.path);
    return {
      '@id': `${url}#distribution`,
      '@type': 'dcat:Distribution',
      'dct:title': text(fileTitle(file, words), lang),
      'dct:description': text(words.fileDescriptions[file.kind], lang),
      'dcat:accessURL': iri(url),
      'dcat:downloadURL': iri(url),
      'dcat:mediaType': iri(IANA_MEDIA_TYPE + IANA_MEDIA_TYPES[file.format]),
      'dct:format': iri(`${EU_AUTHORITY}/file-type/${EU_FILE_TYPES[file.format]}`),
      'dct:license': license,
      'dcatap:availability': iri(STABLE),
      ...(file.format === 'csv'
        ? { 'dct:conformsTo': typedIri('https://www.rfc-editor.org/rfc/rfc4180', 'dct:Standard', { 'dct:title': 'RFC 4180' }) }
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
    'dct:publisher': publisherNode(plan.publisher.name, plan.publisher.url),
    'dcat:contactPoint': {
      '@type': 'vcard:Organization',
      'vcard:fn': plan.publisher.name,
      ...(plan.publisher.email ? { 'vcard:hasEmail': iri(`mailto:${plan.publisher.email}`) } : {}),
      ...(plan.publisher.url ? { 'vcard:hasURL': iri(plan.publisher.url) } : {}),
    },
    'dct:license': license,
    'dct:language': languages.map((l) => iri(euLanguageUri(l))),
    'dct:issued': typed(plan.createdAt, 'xsd:dateTime'),
    'dct:modified': typed(datasetModified(snapshot), 'xsd:date'),
    'dct:temporal': {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': typed(`${plan.period.start}-01-01`, 'xsd:date'),
      'dcat:endDate': typed(`${plan.period.end}-12-31`, 'xsd:date'),
    },
    // The municipality the plan governs, as its gazetteer IRI; by name when the plan gives none.
    'dct:spatial': plan.municipalityUri
      ? iri(plan.municipalityUri)
      : { '@type': 'dct:Location', 'locn:geographicName': text(plan.municipality, lang) },
    'dct:accrualPeriodicity': iri(`${EU_AUTHORITY}/frequency/CONT`),
    'dcat:theme': iri(`${DATA_THEMES}/GOVE`),
    'dcat:keyword': [text(plan.municipality, lang)],
    'dcat:landingPage': typedIri(landing, 'foaf:Document'),
    // The published report the plan was transcribed from: a web page, not a dataset (so not dct:source).
    ...(plan.source ? { 'foaf:page': typedIri(plan.source.url, 'foaf:Document', { 'dct:title': text(plan.source.title, lang) }) } : {}),
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
  const issued = sorted.reduce((first, d) => {
    const value = d['dct:issued']?.['@value'];
    return value && (!first || value < first) ? value : first;
  }, '');
  // The catalog's own metadata is offered under the licence most plans use (ties: alphabetical).
  const licences = new Map<string, number>();
  for (const d of sorted) {
    const id = d['dct:license']?.['@id'];
    if (id) licences.set(id, (licences.get(id) ?? 0) + 1);
  }
  const license = [...licences].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const catalog = {
    '@context': DCAT_CONTEXT,
    '@id': `${baseUrl}/${CATALOG_FILE}`,
    '@type': 'dcat:Catalog',
    'dct:title': text(words.siteTitle, lang),
    'dct:description': text(words.siteIntro, lang),
    // One publisher for the whole site when every plan shares it (the usual case: one city).
    'dct:publisher': publisherNode(publishers.length === 1 ? publishers[0]! : 'Mandat Obert'),
    'foaf:homepage': typedIri(`${baseUrl}/`, 'foaf:Document'),
    'dct:language': languages.map(iri),
    ...(issued ? { 'dct:issued': typed(issued, 'xsd:dateTime') } : {}),
    ...(modified ? { 'dct:modified': typed(modified, 'xsd:date') } : {}),
    ...(license ? { 'dct:license': typedIri(license, 'dct:LicenseDocument') } : {}),
    'dct:spatial': [
      ...new Map(sorted.filter((d) => d['dct:spatial']).map((d) => [JSON.stringify(d['dct:spatial']), d['dct:spatial']])).values(),
    ],
    'dcat:themeTaxonomy': typedIri(DATA_THEMES, 'skos:ConceptScheme'),
    'dcat:dataset': sorted,
  };
  return JSON.stringify(catalog, null, 2) + '\n';
}
