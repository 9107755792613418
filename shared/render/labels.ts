import { packJson, unpackJson } from './packed.ts';

/**
 * The words the generated files use around the officials' own text, in the languages of the
 * default vocabulary. A plan in another language gets English chrome (its status labels still
 * come from its own vocabulary). A `{name}` in a label is filled in by `fillLabel`. The Lambda
 * bundles carry these words packed (see packed.ts), not as the object literals below.
 */
export interface Labels {
  status: string;
  previousStatus: string;
  unchanged: string;
  progress: string;
  area: string;
  areas: string;
  priority: string;
  commitment: string;
  commitments: string;
  lastUpdate: string;
  observations: string;
  relatedLinks: string;
  noObservations: string;
  feeds: string;
  dataFiles: string;
  downloads: string;
  /** `{year}` is the year. */
  updatesOfYear: string;
  commitmentsByStatus: string;
  /** `{total}` is the number of commitments, `{parts}` the counts by status. */
  chartDescription: string;
  dataAsOf: string;
  period: string;
  publisher: string;
  license: string;
  source: string;
  allPlans: string;
  siteTitle: string;
  siteIntro: string;
  catalog: string;
  plans: string;
  language: string;
  modified: string;
  skipToContent: string;
  /** The citizen pages: summary, area, commitment and the lists that find a commitment. */
  pages: {
    findCommitment: string;
    byStatus: string;
    byPriority: string;
    number: string;
    title: string;
    total: string;
    history: string;
    noHistory: string;
    olderHistory: string;
    /** Marks a past update an administrator imported. */
    imported: string;
    latestUpdates: string;
    noUpdates: string;
    areasByStatus: string;
    statusOverTime: string;
    statusOverTimeNote: string;
    month: string;
  };
  dataDictionary: string;
  readmeIntro: string;
  file: string;
  rows: string;
  column: string;
  type: string;
  meaning: string;
  statusVocabulary: string;
  code: string;
  label: string;
  generated: string;
  notes: string;
  csvNotes: string[];
  feedsNote: string;
  areaFeedsNote: string;
  commitmentFeedsNote: string;
  /** One sentence per file for catalogs (DCAT-AP dct:description of each distribution). */
  fileDescriptions: Record<keyof Labels['files'], string>;
  files: {
    commitmentsCsv: string;
    commitmentsXlsx: string;
    commitmentsJson: string;
    updatesCsv: string;
    updatesJson: string;
    rss: string;
    atom: string;
    jsonFeed: string;
    datapackage: string;
    readme: string;
    dashboard: string;
  };
}

const ca: Labels = {
  status: 'Estat',
  previousStatus: 'Estat anterior',
  unchanged: 'sense canvis',
  progress: 'Progrés',
  area: 'Àrea responsable',
  areas: 'Àrees',
  priority: 'Prioritat',
  commitment: 'Compromís',
  commitments: 'Compromisos',
  lastUpdate: 'Darrera actualització',
  observations: 'Observacions',
  relatedLinks: 'Informació relacionada',
  noObservations: 'Sense observacions.',
  feeds: 'Canals de subscripció',
  dataFiles: 'Fitxers de dades',
  downloads: 'Dades obertes',
  updatesOfYear: 'Actualitzacions de {year}',
  commitmentsByStatus: 'Compromisos per estat',
  chartDescription: '{total} compromisos en total: {parts}.',
  dataAsOf: 'Dades a',
  period: 'Període',
  publisher: 'Publicador',
  license: 'Llicència',
  source: 'Font',
  allPlans: 'Tots els plans',
  siteTitle: 'Plans de mandat: dades obertes',
  siteIntro: 'Estat de compliment dels compromisos de cada pla, actualitzat per les àrees responsables.',
  catalog: 'Catàleg DCAT-AP',
  plans: 'Plans',
  language: 'Idioma',
  modified: 'Modificat',
  skipToContent: 'Vés al contingut',
  pages: {
    findCommitment: 'Trobar un compromís',
    byStatus: 'Per estat',
    byPriority: 'Per prioritat',
    number: 'Núm.',
    title: 'Compromís',
    total: 'Total',
    history: 'Historial',
    noHistory: "Encara no hi ha cap actualització d'aquest compromís.",
    olderHistory: "Les actualitzacions més antigues són als fitxers d'actualitzacions per mes",
    imported: 'importada',
    latestUpdates: 'Darreres actualitzacions',
    noUpdates: 'Encara no hi ha cap actualització.',
    areasByStatus: 'Àrees i estat dels seus compromisos',
    statusOverTime: "Evolució de l'estat",
    statusOverTimeNote: "Compromisos per estat a final de cada mes (l'estat actual, desfent les actualitzacions posteriors).",
    month: 'Mes',
  },
  dataDictionary: 'Diccionari de dades',
  readmeIntro: 'Aquests fitxers es regeneren automàticament cada vegada que una àrea responsable publica una actualització signada.',
  file: 'Fitxer',
  rows: 'Files',
  column: 'Columna',
  type: 'Tipus',
  meaning: 'Significat',
  statusVocabulary: "Vocabulari d'estats",
  code: 'Codi',
  label: 'Etiqueta',
  generated: 'Generat a partir de les dades a',
  notes: 'Notes',
  csvNotes: [
    'CSV segons RFC 4180: UTF-8, separador coma, salts de línia CRLF, fila de capçalera, ordre de columnes estable.',
    'Les cel·les de text que comencen per = + - @ porten un apòstrof inicial perquè cap full de càlcul les executi com a fórmula.',
    'Les observacions són text pla al CSV (Markdown al JSON, HTML als canals).',
    'Les dates són ISO 8601 en UTC.',
  ],
  feedsNote:
    "RSS 2.0, Atom 1.0 i JSON Feed 1.1, de la més recent a la més antiga; cada element té com a identificador estable el de l'actualització.",
  areaFeedsNote: 'Els mateixos canals per àrea responsable',
  commitmentFeedsNote: 'Els mateixos canals per compromís',
  fileDescriptions: {
    commitmentsCsv:
      "Una fila per compromís amb la prioritat, l'àrea responsable, l'estat, el progrés i les observacions en text pla (CSV RFC 4180, UTF-8).",
    commitmentsXlsx: 'El mateix estat actual en un full de càlcul per obrir amb Excel o LibreOffice.',
    commitmentsJson: "L'estat actual de cada compromís amb el pla, el vocabulari d'estats i les observacions en Markdown.",
    updatesCsv: "Cada actualització d'estat acceptada durant el mes, de la més antiga a la més recent.",
    updatesJson: "Cada actualització d'estat acceptada durant el mes, amb les observacions en Markdown.",
    rss: "Les darreres actualitzacions d'estat, de la més recent a la més antiga, per a lectors de canals.",
    atom: "Les darreres actualitzacions d'estat, de la més recent a la més antiga, per a lectors de canals.",
    jsonFeed: "Les darreres actualitzacions d'estat, amb els codis d'estat en una extensió llegible per màquina.",
    datapackage: 'Descriu cada fitxer de dades amb el seu Table Schema: columnes, tipus, claus i restriccions.',
    readme: "Diccionari de dades: fitxers, columnes, vocabulari d'estats i nombre de files.",
    dashboard: 'Pàgina per a la ciutadania: recompte per estat i compromisos per prioritat i àrea.',
  },
  files: {
    commitmentsCsv: 'Estat actual de cada compromís',
    commitmentsXlsx: 'Estat actual de cada compromís (full de càlcul)',
    commitmentsJson: 'Estat actual de cada compromís, amb el pla i el vocabulari',
    updatesCsv: "Historial d'actualitzacions d'un mes",
    updatesJson: "Historial d'actualitzacions d'un mes",
    rss: 'Canal RSS 2.0',
    atom: 'Canal Atom 1.0',
    jsonFeed: 'JSON Feed 1.1',
    datapackage: 'Descriptor Frictionless Data Package',
    readme: 'Aquest diccionari de dades',
    dashboard: 'Tauler per a la ciutadania',
  },
};

const es: Labels = {
  status: 'Estado',
  previousStatus: 'Estado anterior',
  unchanged: 'sin cambios',
  progress: 'Progreso',
  area: 'Área responsable',
  areas: 'Áreas',
  priority: 'Prioridad',
  commitment: 'Compromiso',
  commitments: 'Compromisos',
  lastUpdate: 'Última actualización',
  observations: 'Observaciones',
  relatedLinks: 'Información relacionada',
  noObservations: 'Sin observaciones.',
  feeds: 'Canales de suscripción',
  dataFiles: 'Ficheros de datos',
  downloads: 'Datos abiertos',
  updatesOfYear: 'Actualizaciones de {year}',
  commitmentsByStatus: 'Compromisos por estado',
  chartDescription: '{total} compromisos en total: {parts}.',
  dataAsOf: 'Datos a',
  period: 'Periodo',
  publisher: 'Publicador',
  license: 'Licencia',
  source: 'Fuente',
  allPlans: 'Todos los planes',
  siteTitle: 'Planes de mandato: datos abiertos',
  siteIntro: 'Estado de cumplimiento de los compromisos de cada plan, actualizado por las áreas responsables.',
  catalog: 'Catálogo DCAT-AP',
  plans: 'Planes',
  language: 'Idioma',
  modified: 'Modificado',
  skipToContent: 'Ir al contenido',
  pages: {
    findCommitment: 'Encontrar un compromiso',
    byStatus: 'Por estado',
    byPriority: 'Por prioridad',
    number: 'Núm.',
    title: 'Compromiso',
    total: 'Total',
    history: 'Historial',
    noHistory: 'Todavía no hay ninguna actualización de este compromiso.',
    olderHistory: 'Las actualizaciones más antiguas están en los ficheros de actualizaciones por mes',
    imported: 'importada',
    latestUpdates: 'Últimas actualizaciones',
    noUpdates: 'Todavía no hay ninguna actualización.',
    areasByStatus: 'Áreas y estado de sus compromisos',
    statusOverTime: 'Evolución del estado',
    statusOverTimeNote: 'Compromisos por estado a final de cada mes, calculados deshaciendo las actualizaciones posteriores.',
    month: 'Mes',
  },
  dataDictionary: 'Diccionario de datos',
  readmeIntro: 'Estos ficheros se regeneran automáticamente cada vez que un área responsable publica una actualización firmada.',
  file: 'Fichero',
  rows: 'Filas',
  column: 'Columna',
  type: 'Tipo',
  meaning: 'Significado',
  statusVocabulary: 'Vocabulario de estados',
  code: 'Código',
  label: 'Etiqueta',
  generated: 'Generado a partir de los datos a',
  notes: 'Notas',
  csvNotes: [
    'CSV según RFC 4180: UTF-8, separador coma, saltos de línea CRLF, fila de cabecera, orden de columnas estable.',
    'Las celdas de texto que empiezan por = + - @ llevan un apóstrofo inicial para que ninguna hoja de cálculo las ejecute como fórmula.',
    'Las observaciones son texto plano en el CSV (Markdown en el JSON, HTML en los canales).',
    'Las fechas son ISO 8601 en UTC.',
  ],
  feedsNote:
    'RSS 2.0, Atom 1.0 y JSON Feed 1.1, de la más reciente a la más antigua; cada elemento tiene como identificador estable el de la actualización.',
  areaFeedsNote: 'Los mismos canales por área responsable',
  commitmentFeedsNote: 'Los mismos canales por compromiso',
  fileDescriptions: {
    commitmentsCsv:
      'Una fila por compromiso con la prioridad, el área responsable, el estado, el progreso y las observaciones en texto plano (CSV RFC 4180, UTF-8).',
    commitmentsXlsx: 'El mismo estado actual en una hoja de cálculo para abrir con Excel o LibreOffice.',
    commitmentsJson: 'El estado actual de cada compromiso con el plan, el vocabulario de estados y las observaciones en Markdown.',
    updatesCsv: 'Cada actualización de estado aceptada durante el mes, de la más antigua a la más reciente.',
    updatesJson: 'Cada actualización de estado aceptada durante el mes, con las observaciones en Markdown.',
    rss: 'Las últimas actualizaciones de estado, de la más reciente a la más antigua, para lectores de canales.',
    atom: 'Las últimas actualizaciones de estado, de la más reciente a la más antigua, para lectores de canales.',
    jsonFeed: 'Las últimas actualizaciones de estado, con los códigos de estado en una extensión legible por máquina.',
    datapackage: 'Describe cada fichero de datos con su Table Schema: columnas, tipos, claves y restricciones.',
    readme: 'Diccionario de datos: ficheros, columnas, vocabulario de estados y número de filas.',
    dashboard: 'Página para la ciudadanía: recuento por estado y compromisos por prioridad y área.',
  },
  files: {
    commitmentsCsv: 'Estado actual de cada compromiso',
    commitmentsXlsx: 'Estado actual de cada compromiso (hoja de cálculo)',
    commitmentsJson: 'Estado actual de cada compromiso, con el plan y el vocabulario',
    updatesCsv: 'Historial de actualizaciones de un mes',
    updatesJson: 'Historial de actualizaciones de un mes',
    rss: 'Canal RSS 2.0',
    atom: 'Canal Atom 1.0',
    jsonFeed: 'JSON Feed 1.1',
    datapackage: 'Descriptor Frictionless Data Package',
    readme: 'Este diccionario de datos',
    dashboard: 'Panel para la ciudadanía',
  },
};

const en: Labels = {
  status: 'Status',
  previousStatus: 'Previous status',
  unchanged: 'unchanged',
  progress: 'Progress',
  area: 'Responsible area',
  areas: 'Areas',
  priority: 'Priority',
  commitment: 'Commitment',
  commitments: 'Commitments',
  lastUpdate: 'Last update',
  observations: 'Observations',
  relatedLinks: 'Related information',
  noObservations: 'No observations.',
  feeds: 'Feeds',
  dataFiles: 'Data files',
  downloads: 'Open data',
  updatesOfYear: 'Updates of {year}',
  commitmentsByStatus: 'Commitments by status',
  chartDescription: '{total} commitments in total: {parts}.',
  dataAsOf: 'Data as of',
  period: 'Period',
  publisher: 'Publisher',
  license: 'License',
  source: 'Source',
  allPlans: 'All plans',
  siteTitle: 'Mandate plans: open data',
  siteIntro: "The status of each plan's commitments, kept up to date by the responsible areas.",
  catalog: 'DCAT-AP catalog',
  plans: 'Plans',
  language: 'Language',
  modified: 'Modified',
  skipToContent: 'Skip to content',
  pages: {
    findCommitment: 'Find a commitment',
    byStatus: 'By status',
    byPriority: 'By priority',
    number: 'No.',
    title: 'Commitment',
    total: 'Total',
    history: 'History',
    noHistory: 'No update of this commitment yet.',
    olderHistory: 'Older updates are in the monthly update files',
    imported: 'imported',
    latestUpdates: 'Latest updates',
    noUpdates: 'No update yet.',
    areasByStatus: 'Areas and the status of their commitments',
    statusOverTime: 'Status over time',
    statusOverTimeNote: 'Commitments by status at the end of each month, computed by undoing later updates.',
    month: 'Month',
  },
  dataDictionary: 'Data dictionary',
  readmeIntro: 'These files are regenerated automatically every time a responsible area publishes a signed update.',
  file: 'File',
  rows: 'Rows',
  column: 'Column',
  type: 'Type',
  meaning: 'Meaning',
  statusVocabulary: 'Status vocabulary',
  code: 'Code',
  label: 'Label',
  generated: 'Generated from the data as of',
  notes: 'Notes',
  csvNotes: [
    'CSV per RFC 4180: UTF-8, comma separator, CRLF line breaks, header row, stable column order.',
    'Text cells that begin with = + - @ carry a leading apostrophe so that no spreadsheet runs them as a formula.',
    'Observations are plain text in CSV (Markdown in JSON, HTML in the feeds).',
    'Dates are ISO 8601 in UTC.',
  ],
  feedsNote: 'RSS 2.0, Atom 1.0 and JSON Feed 1.1, newest first; each item carries the update id as its stable id.',
  areaFeedsNote: 'The same feeds per responsible area',
  commitmentFeedsNote: 'The same feeds per commitment',
  fileDescriptions: {
    commitmentsCsv:
      'One row per commitment with its priority, responsible area, status, progress and observations as plain text (RFC 4180 CSV, UTF-8).',
    commitmentsXlsx: 'The same current state as a spreadsheet to open in Excel or LibreOffice.',
    commitmentsJson: 'The current state of every commitment with the plan, its status vocabulary and the observations as Markdown.',
    updatesCsv: 'Every status update accepted in the month, oldest first.',
    updatesJson: 'Every status update accepted in the month, with the observations as Markdown.',
    rss: 'The latest status updates, newest first, for feed readers.',
    atom: 'The latest status updates, newest first, for feed readers.',
    jsonFeed: 'The latest status updates, with the status codes in a machine-readable extension.',
    datapackage: 'Describes every data file with its Table Schema: columns, types, keys and constraints.',
    readme: 'The data dictionary: files, columns, status vocabulary and row counts.',
    dashboard: 'The page for citizens: counts by status and commitments by priority and area.',
  },
  files: {
    commitmentsCsv: 'Current state of every commitment',
    commitmentsXlsx: 'Current state of every commitment (spreadsheet)',
    commitmentsJson: 'Current state of every commitment, with the plan and its vocabulary',
    updatesCsv: 'History of the updates of one month',
    updatesJson: 'History of the updates of one month',
    rss: 'RSS 2.0 feed',
    atom: 'Atom 1.0 feed',
    jsonFeed: 'JSON Feed 1.1',
    datapackage: 'Frictionless Data Package descriptor',
    readme: 'This data dictionary',
    dashboard: 'Dashboard for citizens',
  },
};

/** Replaced by esbuild's `define` in the Lambda bundles (`packLabels()`); absent (undefined) when run from source. */
declare const MANDAT_LABELS: string | undefined;

/** The name the bundling defines. */
export const LABELS_DEFINE = 'MANDAT_LABELS';

export function packLabels(): string {
  return packJson({ ca, es, en });
}

const LABELS: Record<string, Labels> =
  typeof MANDAT_LABELS === 'string' ? unpackJson<Record<string, Labels>>(MANDAT_LABELS) : { ca, es, en };

/** A label with `{name}` placeholders filled in (the values are inserted as they are, never read as patterns). */
export function fillLabel(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => (name in values ? String(values[name]) : placeholder));
}

export function labelsFor(language: string): Labels {
  return LABELS[language] ?? LABELS[language.split('-')[0]!] ?? LABELS.en!;
}

/** The language whose chrome we actually render, for `lang` attributes on the chrome. */
export function chromeLanguage(language: string): string {
  if (LABELS[language]) return language;
  const base = language.split('-')[0]!;
  return LABELS[base] ? base : 'en';
}

/** Dates for people: long form in the plan's language, in UTC so the bytes never depend on where it runs. */
// Building an Intl.DateTimeFormat costs ~100× formatting with one; a full render formats tens of thousands of dates.
const dateFormats = new Map<string, Intl.DateTimeFormat | undefined>();

export function formatDate(iso: string, language: string): string {
  if (!dateFormats.has(language)) {
    let format: Intl.DateTimeFormat | undefined;
    try {
      format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
    } catch {
      format = undefined;
    }
    dateFormats.set(language, format);
  }
  const format = dateFormats.get(language);
  const date = new Date(iso);
  return format && !Number.isNaN(date.getTime()) ? format.format(date) : iso.slice(0, 10);
}
