/**
 * What every CSV column means, per language: read by the Data Package (field descriptions) and
 * the README data dictionary, so both say the same thing. Typed over every column name, so a
 * new column cannot be published undocumented.
 */
import type { ColumnName } from './csv.ts';
import { packJson, unpackJson } from './packed.ts';

type Meaning = { en: string; ca: string; es: string };

const MEANINGS: Record<ColumnName, Meaning> = {
  plan_id: { en: 'Identifier of the plan (slug).', ca: 'Identificador del pla (slug).', es: 'Identificador del plan (slug).' },
  priority_number: {
    en: 'Number of the priority the commitment belongs to.',
    ca: 'Número de la prioritat a què pertany el compromís.',
    es: 'Número de la prioridad a la que pertenece el compromiso.',
  },
  priority_title: { en: 'Text of the priority.', ca: 'Text de la prioritat.', es: 'Texto de la prioridad.' },
  commitment_id: {
    en: 'Identifier of the commitment within the plan (slug, e.g. c4).',
    ca: 'Identificador del compromís dins el pla (slug, p. ex. c4).',
    es: 'Identificador del compromiso dentro del plan (slug, p. ej. c4).',
  },
  commitment_number: {
    en: 'Number of the commitment in the plan.',
    ca: 'Número del compromís dins el pla.',
    es: 'Número del compromiso en el plan.',
  },
  commitment_title: { en: 'Text of the commitment.', ca: 'Text del compromís.', es: 'Texto del compromiso.' },
  area: { en: 'Responsible area (name).', ca: 'Àrea responsable (nom).', es: 'Área responsable (nombre).' },
  area_slug: {
    en: 'Responsible area as a slug; names the per-area feeds (areas/{area_slug}/).',
    ca: 'Àrea responsable com a slug; dona nom als canals per àrea (areas/{area_slug}/).',
    es: 'Área responsable como slug; da nombre a los canales por área (areas/{area_slug}/).',
  },
  status: {
    en: 'Status code from the status vocabulary below.',
    ca: "Codi d'estat del vocabulari d'estats (vegeu més avall).",
    es: 'Código de estado del vocabulario de estados (ver más abajo).',
  },
  status_label: {
    en: "The status's label in the plan's language.",
    ca: "Etiqueta de l'estat en l'idioma del pla.",
    es: 'Etiqueta del estado en el idioma del plan.',
  },
  progress: {
    en: 'Progress reported by the area, 0–100 %; empty when not reported.',
    ca: "Progrés informat per l'àrea, 0–100 %; buit si no s'ha informat.",
    es: 'Progreso informado por el área, 0–100 %; vacío si no se ha informado.',
  },
  observations: {
    en: 'Observations of the responsible area, as plain text (Markdown in the JSON files).',
    ca: "Observacions de l'àrea responsable, en text pla (Markdown als fitxers JSON).",
    es: 'Observaciones del área responsable, en texto plano (Markdown en los ficheros JSON).',
  },
  links_count: {
    en: 'Number of related links (the links themselves are in the links column).',
    ca: "Nombre d'enllaços relacionats (els enllaços són a la columna links).",
    es: 'Número de enlaces relacionados (los enlaces están en la columna links).',
  },
  reported_at: {
    en: 'When the status was reported (ISO 8601, UTC).',
    ca: "Quan es va informar l'estat (ISO 8601, UTC).",
    es: 'Cuándo se informó el estado (ISO 8601, UTC).',
  },
  updated_at: {
    en: 'When the record last changed (ISO 8601, UTC).',
    ca: 'Quan va canviar el registre per darrera vegada (ISO 8601, UTC).',
    es: 'Cuándo cambió el registro por última vez (ISO 8601, UTC).',
  },
  revision: {
    en: "The commitment's revision: +1 with every change.",
    ca: 'Revisió del compromís: +1 a cada canvi.',
    es: 'Revisión del compromiso: +1 en cada cambio.',
  },
  last_update_id: {
    en: 'Identifier of the latest update (update_id in updates/{YYYY}/{MM}.csv); empty before the first.',
    ca: 'Identificador de la darrera actualització (update_id a updates/{YYYY}/{MM}.csv); buit abans de la primera.',
    es: 'Identificador de la última actualización (update_id en updates/{YYYY}/{MM}.csv); vacío antes de la primera.',
  },
  update_id: {
    en: 'Stable identifier of the update (a UUID); the id of the feed items.',
    ca: "Identificador estable de l'actualització (un UUID); l'id dels elements dels canals.",
    es: 'Identificador estable de la actualización (un UUID); el id de los elementos de los canales.',
  },
  received_at: {
    en: 'When the server accepted the signed update (ISO 8601, UTC).',
    ca: "Quan el servidor va acceptar l'actualització signada (ISO 8601, UTC).",
    es: 'Cuándo el servidor aceptó la actualización firmada (ISO 8601, UTC).',
  },
  previous_status: {
    en: 'Status code before this update.',
    ca: "Codi d'estat abans d'aquesta actualització.",
    es: 'Código de estado antes de esta actualización.',
  },
  links: {
    // Said without angle brackets: descriptions are read as Markdown, where "<url>" is a tag.
    en: 'Related links, one per line: the title, a space and the address in angle brackets (in the history, as they were at the time of the update).',
    ca: "Enllaços relacionats, un per línia: el títol, un espai i l'adreça entre parèntesis angulars (a l'historial, tal com eren en el moment de l'actualització).",
    es: 'Enlaces relacionados, uno por línea: el título, un espacio y la dirección entre corchetes angulares (en el historial, tal como eran en el momento de la actualización).',
  },
  plan_revision: {
    en: "The plan's revision after this update.",
    ca: "Revisió del pla després d'aquesta actualització.",
    es: 'Revisión del plan después de esta actualización.',
  },
  key_id: {
    en: 'Identifier of the key that signed the update (its holder is accountable for it).',
    ca: "Identificador de la clau que va signar l'actualització.",
    es: 'Identificador de la clave que firmó la actualización.',
  },
  imported: {
    en: 'true for a past update an administrator imported (kept with its original date, never announced in the feeds); false for an update posted live.',
    ca: 'true per a una actualització passada importada per un administrador (amb la seva data original, mai anunciada als canals); false per a una de publicada en directe.',
    es: 'true para una actualización pasada importada por un administrador (con su fecha original, nunca anunciada en los canales); false para una publicada en directo.',
  },
};

/** Replaced by esbuild's `define` in the Lambda bundles (`packColumnMeanings()`); absent (undefined) when run from source. */
declare const MANDAT_COLUMN_MEANINGS: string | undefined;

/** The name the bundling defines. */
export const COLUMN_MEANINGS_DEFINE = 'MANDAT_COLUMN_MEANINGS';

export function packColumnMeanings(): string {
  return packJson(MEANINGS);
}

const meanings: Record<ColumnName, Meaning> =
  typeof MANDAT_COLUMN_MEANINGS === 'string' ? unpackJson<Record<ColumnName, Meaning>>(MANDAT_COLUMN_MEANINGS) : MEANINGS;

export function columnMeaning(column: ColumnName, language: string): string {
  const meaning = meanings[column];
  const base = language.split('-')[0] as keyof Meaning;
  return meaning[base] ?? meaning.en;
}
