/** The WebSub port's HTTP adapter (global fetch, no client library needed for one form POST). */
import type { HubNotifier } from './websub.ts';

/** The HTTP adapter: a form-encoded POST, as hubs (e.g. websub.appspot.com, Superfeedr, WebSub.Rocks) take it. */
export const httpHubNotifier: HubNotifier = {
  async ping(hub, topic, signal) {
    const response = await fetch(hub, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
      signal,
      redirect: 'follow',
    });
    // Drain the body so the connection is released.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`hub answered ${response.status}`);
  },
};
