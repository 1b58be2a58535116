/** Why a limit refused something: the close code and reason the session closes with (P22). */
export interface Refusal {
  readonly code: number;
  /** Full reason (sent in NOTICE; the close frame carries it clamped to 123 bytes). */
  readonly reason: string;
  /** When the client may try again (rate limits only). */
  readonly retryAfterMs?: number;
  /** For a rate limit: milliseconds until the refused message would pass (pacing, P22). */
  readonly waitMs?: number;
}
