/**
 * SEMICeu's DCAT-AP SHACL shapes (vendored under tests/fixtures/dcat-ap/) run with
 * rdf-validate-shacl over a JSON-LD document turned into RDF by jsonld, offline: the data graph
 * is the document plus the few vocabulary facts the shapes look up (what a validator would
 * import from the EU vocabularies and IANA).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jsonld from 'jsonld';
import { Parser, Store } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';

const FIXTURES = fileURLToPath(new URL('../fixtures/dcat-ap/', import.meta.url));

export const SHAPE_SETS = {
  '3.0.1': {
    mandatory: ['3.0.1/shapes.ttl'],
    range: ['3.0.1/range.ttl'],
    vocabularies: ['3.0.1/mdr-vocabularies.shape.ttl'],
    recommended: ['3.0.1/shapes_recommended.ttl'],
    deprecated: ['3.0.1/deprecateduris.ttl'],
    /** The release's consolidated shapes (everything above, generated from the model). */
    release: ['3.0.1/dcat-ap-SHACL.ttl', '3.0.1/ranges.ttl'],
  },
  '2.1.1': {
    mandatory: ['2.1.1/shapes.ttl'],
    range: ['2.1.1/range.ttl'],
    vocabularies: ['2.1.1/mdr-vocabularies.shape.ttl'],
    recommended: ['2.1.1/shapes_recommended.ttl'],
    deprecated: ['2.1.1/deprecateduris.ttl'],
  },
} as const;

export const VOCABULARY_FACTS = 'vocabulary-facts.ttl';

function parseTurtle(files: readonly string[]): Store {
  const store = new Store();
  for (const file of files) store.addQuads(new Parser({ baseIRI: `file:///${file}` }).parse(readFileSync(FIXTURES + file, 'utf8')));
  return store;
}

/** The document's triples plus the vocabulary facts. */
export async function dataGraph(document: string): Promise<Store> {
  const nquads = (await jsonld.toRDF(JSON.parse(document), { format: 'application/n-quads' })) as unknown as string;
  const store = parseTurtle([VOCABULARY_FACTS]);
  store.addQuads(new Parser({ format: 'application/n-quads' }).parse(nquads));
  return store;
}

export interface ShaclFinding {
  severity: 'Violation' | 'Warning' | 'Info';
  focus: string;
  path: string;
  message: string;
}

const local = (iri: string | undefined) => (iri ?? '').replace(/^.*[#/]/, '');
const PREFIXES: Array<[string, string]> = [
  ['http://www.w3.org/ns/dcat#', 'dcat:'],
  ['http://purl.org/dc/terms/', 'dct:'],
  ['http://xmlns.com/foaf/0.1/', 'foaf:'],
  ['http://www.w3.org/2006/vcard/ns#', 'vcard:'],
  ['http://data.europa.eu/r5r/', 'dcatap:'],
];
const short = (iri: string) => PREFIXES.reduce((s, [ns, p]) => (s.startsWith(ns) ? p + s.slice(ns.length) : s), iri);

/** Every result of validating the data graph against the shape files, as short readable lines. */
export async function validate(data: Store, shapeFiles: readonly string[]): Promise<ShaclFinding[]> {
  // The shapes' owl:imports name the vocabularies themselves; the facts they need are in the data graph.
  const validator = new SHACLValidator(parseTurtle(shapeFiles), { importGraph: () => new Store() });
  const report = await validator.validate(data);
  return report.results.map((r) => ({
    severity: local(r.severity?.value) as ShaclFinding['severity'],
    focus: r.focusNode?.value ?? '',
    path: short(r.path?.value ?? ''),
    message: r.message.map((m) => m.value).join(' ') || local(r.sourceConstraintComponent?.value),
  }));
}
