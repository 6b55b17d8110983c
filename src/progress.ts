/**
 * Progress of a long computation. Library code reports it through a callback; the command picks
 * the view (src/ui/progress.ts: ink on a terminal, plain lines on stderr otherwise).
 */
export interface ProgressEvent {
  /** What is being done, e.g. "aggregated search" or "reading trace.jsonl". */
  task: string;
  /** Units of the task done so far, out of `total` (same unit: runs, intervals, MB...). */
  done: number;
  total: number;
  /** What done and total count, e.g. "MB" or "intervals". */
  unit?: string;
  /** The step just finished, e.g. "TP 2: 8.57 req/s meets the SLA". */
  detail?: string;
}

export type OnProgress = (event: ProgressEvent) => void;
