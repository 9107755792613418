/**
 * A commitment's queue of writers without If-Match: a writer who lost its first attempt takes a
 * ticket and writes on its turn, so N writers of one commitment land in N turns, first come
 * first served, instead of racing until some run out of time.
 */
import type { Commitment } from '../domain/model.ts';
import { Problem } from '../domain/problem.ts';
import { sleep } from '../domain/retry.ts';
import type { PlanStore } from '../store/plans.ts';

/** A turn that has not moved for this long is taken to be a vanished holder's (a killed function), and skipped by the writer behind. */
export const STALLED_TURN_MS = 2_000;

export const writeConflict = () =>
  new Problem(409, 'write-conflict', 'the commitment is being updated by others; retry shortly', { headers: { 'retry-after': '1' } });

type QueueStore = Pick<PlanStore, 'getCommitmentQueue' | 'takeTicket' | 'releaseTicket' | 'skipTurns'>;

export class WriterTurn {
  /** The ticket held (0: none). */
  ticket = 0;

  constructor(
    private readonly store: QueueStore,
    private readonly planId: string,
    private readonly commitmentId: string,
    private readonly deadline: number,
  ) {}

  async take(): Promise<void> {
    this.ticket = await this.store.takeTicket(this.planId, this.commitmentId);
  }

  /**
   * Waits for the ticket's turn; the commitment as it then stands (undefined: it does not exist).
   * On the way it ends the turns of tickets given up, or of a holder stalled for STALLED_TURN_MS;
   * a ticket skipped that way takes a new one.
   */
  async wait(): Promise<Commitment | undefined> {
    const { store, planId, commitmentId } = this;
    let seen = -1;
    let since = 0;
    const first = { at: Date.now(), done: -1 };
    for (;;) {
      const state = await store.getCommitmentQueue(planId, commitmentId);
      if (!state) return undefined;
      const { done, abandoned } = state.queue;
      if (done === this.ticket - 1) return state.commitment;
      if (done >= this.ticket) {
        await this.take();
        continue;
      }
      const now = Date.now();
      if (now >= this.deadline) throw writeConflict();
      let to = done;
      while (to + 1 < this.ticket && abandoned.includes(to + 1)) to++;
      if (done !== seen) [seen, since] = [done, now];
      // The writer right behind a stalled turn skips it; the next one only if that one stalls too.
      else if (now - since >= STALLED_TURN_MS * (this.ticket - 1 - done)) to = done + 1;
      if (to > done) {
        await store.skipTurns(planId, commitmentId, done, to);
        continue;
      }
      if (first.done < 0) [first.at, first.done] = [now, done];
      // Polls spaced by the distance to the turn times the turns' pace so far (10 ms until seen).
      const turnMs = done > first.done ? (now - first.at) / (done - first.done) : 10;
      await sleep(Math.min(200, Math.max(2, (this.ticket - done - 1.5) * turnMs)));
    }
  }

  /** Gives the ticket up (the request is answered without writing): the queue goes on without it. */
  async release(): Promise<void> {
    // A failed release only delays the others by STALLED_TURN_MS: the request's own answer stands.
    if (this.ticket) await this.store.releaseTicket(this.planId, this.commitmentId, this.ticket).catch(() => {});
  }
}
