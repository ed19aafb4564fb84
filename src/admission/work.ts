/**
 * On whose behalf work runs, and what stops it: threaded from an HTTP request down to the
 * SQL query and the render thread, so a client leaving cancels its work and the fair
 * queues in front of the database and the renderer know whose turn it is.
 */
export interface Work {
  /** Aborted when the client goes away or its deadline passes. */
  readonly signal?: AbortSignal | undefined;
  /** The client: its key or token's name, else its address (see the HTTP front); the engine's own work when absent. */
  readonly client?: string | undefined;
}
