/**
 * The demo plan: Terrassa's "Balanç Pla de Mandat, Juny 2019", priority 1, commitment 4,
 * transcribed from the seed report page (kept verbatim, including its cut-off last sentence).
 */
import type { CommitmentDefinition, PlanDefinition } from './model.ts';

export const DEMO_PLAN_ID = 'terrassa-2015-2019';

export const DEMO_PLAN: PlanDefinition = {
  title: 'Pla de Mandat 2015-2019',
  municipality: 'Terrassa',
  municipalityUri: 'https://sws.geonames.org/3108286/',
  period: { start: 2015, end: 2019 },
  language: 'ca',
  languages: ['ca', 'es', 'en'],
  license: { id: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
  description: "Balanç del Pla de Mandat de l'Ajuntament de Terrassa (juny 2019): estat de compliment de cada compromís.",
  publisher: { name: 'Ajuntament de Terrassa', url: 'https://www.terrassa.cat/' },
  source: { title: 'Balanç Pla de Mandat Juny 2019', url: 'http://governobert.terrassa.cat/transparencia/' },
};

export const DEMO_COMMITMENT_ID = 'c4';

export const DEMO_COMMITMENT: CommitmentDefinition = {
  number: 4,
  title: "Ajudarem les empreses locals per frenar la destrucció d'ocupació i per fomentar el creixement econòmic.",
  priority: {
    number: 1,
    title: "Potenciarem l'activitat econòmica per tal de reduir l'atur i facilitarem la creació de feina estable i de qualitat.",
  },
  area: 'Desenvolupament Econòmic, Indústria i Ocupació',
  areaSlug: 'desenvolupament-economic-industria-i-ocupacio',
  status: 'on_track',
  observations: [
    "En el marc del Pacte per l'Ocupació de Terrassa i dins la comissió de Política Industrial hem realitzat les següents accions que queden desenvolupades en la informació relacionada:",
    '',
    '- Aprovació en el Ple Mpal del Pla de Desenvolupament Industrial de Terrassa',
    "- Implantació d'actuacions d'economia circular de simbiosi industrial",
    '- Projecte "Impuls a la nova Indústria"',
    '- Projecte "Terrassa aposta per la Indústria"',
    '- Projecte "Foment de l\'Ocupació a la indústria local"',
    '',
    "En paral·lel i dins la pròpia activitat del Servei d'Activitats Econòmiques i amb l'objectiu de fomentar el creixement econòmic hem signat dos convenis:",
    '',
    "- Conveni amb la patronal PIMEC per a promoure accions de millora en el desenvolupament de les petites i mitjanes empreses i autònoms del municipi a través d'accions conjuntes.",
    "- Conveni d'Internacionalització amb la Cambra de Comerç i Indústria de Terrassa, per ajudar a les empreses locals a assentar la seva estratègia d'internacionalització per tal que s'obrin a nous mercats.",
    '',
    "D'altra banda, continuem oferint el servei de \"Reempresa\" amb l'objectiu de potenciar l'economia de la ciutat, generar oportunitats de negoci i contribuir a mantenir i crear llocs de treball.",
    '',
    "I des del Servei d'Ocupació continuem liderant el projecte Ocupació a la Indústria Local amb els Ajuntaments de",
  ].join('\n'),
  links: [
    {
      title: 'Seguiment actuacions 2016',
      url: 'http://governobert.terrassa.cat/transparencia/wp-content/uploads/sites/2/2017/05/Memoria-2016_A4.pdf',
    },
    {
      title: 'Planificació actuacions 2017',
      url: 'http://governobert.terrassa.cat/transparencia/wp-content/uploads/sites/2/2017/05/PAM_2017_4_definitiu.pdf',
    },
  ],
};
