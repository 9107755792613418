import type { StatusDefinition } from './model.ts';

/** The status vocabulary of the seed report ("ESTAT DE COMPLIMENT"), in ca/es/en. */
export const DEFAULT_STATUSES: StatusDefinition[] = [
  {
    code: 'not_started',
    labels: {
      ca: 'No iniciat per canvi de prioritat',
      es: 'No iniciado por cambio de prioridad',
      en: 'Not started (priority changed)',
    },
    color: '#6b7280',
  },
  { code: 'pending', labels: { ca: 'Pendent', es: 'Pendiente', en: 'Pending' }, color: '#b45309' },
  {
    code: 'delayed',
    labels: { ca: 'En execució però amb retard', es: 'En ejecución pero con retraso', en: 'In progress, delayed' },
    color: '#b91c1c',
  },
  {
    code: 'on_track',
    labels: {
      ca: 'Completat o en execució dins les previsions',
      es: 'Completado o en ejecución según lo previsto',
      en: 'Completed or on schedule',
    },
    color: '#15803d',
  },
];

/** The label of a status in a language, falling back to English, then to the code itself. */
export function statusLabel(statuses: StatusDefinition[], code: string, language: string): string {
  const def = statuses.find((s) => s.code === code);
  if (!def) return code;
  const base = language.split('-')[0] ?? language;
  return def.labels[language] ?? def.labels[base] ?? def.labels.en ?? Object.values(def.labels)[0] ?? code;
}
