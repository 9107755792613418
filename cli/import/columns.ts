/** Which import field a spreadsheet column holds, from its header in Catalan, Spanish or English. */

export type Field =
  | 'planId'
  | 'priorityNumber'
  | 'priorityTitle'
  | 'commitmentId'
  | 'commitmentNumber'
  | 'commitmentTitle'
  | 'area'
  | 'areaSlug'
  | 'status'
  | 'statusLabel'
  | 'observations'
  | 'links'
  | 'progress';

export const normalise = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/l·l/g, 'll')
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

const NUMBER_WORDS = /\b(num|numero|number|no|n|nr|nº|#)\b/;
const words = {
  priority: /\b(prioritat|prioridad|priority|prioritats|prioridades|priorities|eix|eje|axis)\b/,
  commitment: /\b(compromis|compromiso|commitment|compromisos|commitments|actuacio|actuacion|action)\b/,
  title: /\b(titol|titulo|title|text|texto|descripcio|descripcion|description|nom|nombre|name)\b/,
  id: /\b(id|identificador|identifier|codi|codigo|code)\b/,
};

/** Which field a header names; exact published column names first, then word patterns. */
export function fieldOf(header: string): Field | undefined {
  const exact: Record<string, Field> = {
    plan_id: 'planId',
    priority_number: 'priorityNumber',
    priority_title: 'priorityTitle',
    commitment_id: 'commitmentId',
    commitment_number: 'commitmentNumber',
    commitment_title: 'commitmentTitle',
    area: 'area',
    area_slug: 'areaSlug',
    status: 'status',
    status_label: 'statusLabel',
    observations: 'observations',
    links: 'links',
    progress: 'progress',
  };
  const raw = header.trim().toLowerCase();
  if (exact[raw]) return exact[raw];
  const h = normalise(header);
  if (h === '') return undefined;
  if (/\b(slug)\b/.test(h) && /\b(area|ambit|ambito)\b/.test(h)) return 'areaSlug';
  if (words.priority.test(h)) return NUMBER_WORDS.test(h) ? 'priorityNumber' : 'priorityTitle';
  if (words.commitment.test(h)) {
    if (words.id.test(h)) return 'commitmentId';
    return NUMBER_WORDS.test(h) ? 'commitmentNumber' : 'commitmentTitle';
  }
  // A sheet of commitments alone: its title and description columns are the commitment's.
  if (/^(titol|titulo|title|nom|nombre|name)$/.test(h)) return 'commitmentTitle';
  if (/^(descripcio|descripcion|description)$/.test(h)) return 'observations';
  if (/\b(area|ambit|ambito|departament|departamento|department|regidoria|concejalia|responsable|responsible)\b/.test(h)) return 'area';
  if (/\b(estat|estado|status|state|compliment|cumplimiento|situacio|situacion)\b/.test(h))
    return /\b(label|etiqueta)\b/.test(h) ? 'statusLabel' : 'status';
  if (/\b(observacions|observaciones|observations|observacio|observacion|comentaris|comentarios|comments|notes|notas)\b/.test(h))
    return 'observations';
  if (/\b(informacio relacionada|informacion relacionada|related|links|link|enllacos|enlaces|enllac|enlace|urls?)\b/.test(h))
    return 'links';
  if (/\b(progres|progreso|progress|avanc|avance|%)\b/.test(h) || h === '%') return 'progress';
  return undefined;
}

/** The import's field names, as `--map` and `--default` take them (the project's CSV columns). */
export const FIELD_NAMES = {
  priority_number: 'priorityNumber',
  priority_title: 'priorityTitle',
  commitment_number: 'commitmentNumber',
  commitment_title: 'commitmentTitle',
  commitment_id: 'commitmentId',
  area: 'area',
  area_slug: 'areaSlug',
  status: 'status',
  observations: 'observations',
  links: 'links',
  progress: 'progress',
} as const satisfies Record<string, Field>;

export type FieldName = keyof typeof FIELD_NAMES;

export const fieldName = (field: Field): string =>
  Object.entries(FIELD_NAMES).find(([, f]) => f === field)?.[0] ?? field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
