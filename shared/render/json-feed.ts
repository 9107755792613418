/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): one item per status update, id = updateId. */
import { statusLabel } from '../domain/vocabulary.ts';
import { feedDescription, feedItems, feedTitle, statusTransition, updateHtml, updateText, updateTitle } from './feed-item.ts';
import { commitmentUrl, type FeedScope, type PlanSnapshot, planUrl } from './snapshot.ts';

export const JSON_FEED_FILE = 'feed.json';
export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

export function renderJsonFeed(snapshot: PlanSnapshot, scope: FeedScope): string {
  const { plan } = snapshot;
  const feed = {
    version: JSON_FEED_VERSION,
    title: feedTitle(snapshot, scope),
    home_page_url: scope.alternateUrl,
    feed_url: planUrl(snapshot, scope.dir + JSON_FEED_FILE),
    description: feedDescription(snapshot),
    language: plan.language,
    authors: [{ name: plan.publisher.name, ...(plan.publisher.url ? { url: plan.publisher.url } : {}) }],
    ...(snapshot.hubs?.length ? { hubs: snapshot.hubs.map((url) => ({ type: 'WebSub', url })) } : {}),
    items: feedItems(scope).map((u) => ({
      id: u.updateId,
      url: commitmentUrl(snapshot, u.commitmentId),
      title: updateTitle(snapshot, u),
      summary: statusTransition(snapshot, u),
      content_html: updateHtml(snapshot, u),
      content_text: updateText(snapshot, u),
      date_published: u.reportedAt,
      // ISO timestamps compare as strings.
      date_modified: u.receivedAt > u.reportedAt ? u.receivedAt : u.reportedAt,
      authors: [{ name: u.area }],
      tags: [u.area, statusLabel(plan.statuses, u.status, plan.language)],
      language: plan.language,
      // Extension object (the spec reserves keys starting with "_"): the machine-readable facts.
      _mandat_obert: {
        plan_id: u.planId,
        commitment_id: u.commitmentId,
        area_slug: u.areaSlug,
        previous_status: u.previousStatus,
        status: u.status,
        progress: u.progress ?? null,
        revision: u.revision,
      },
    })),
  };
  return JSON.stringify(feed, null, 2) + '\n';
}
