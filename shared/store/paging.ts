/** Registries are read a bounded page at a time. */

/** One page of a registry, in id order; `next` is the last id of the page when more may follow. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface PageRequest {
  /** At most this many items (the API caps it). */
  limit: number;
  /** Continue after this id (the `next` of the previous page). */
  after?: string;
}
