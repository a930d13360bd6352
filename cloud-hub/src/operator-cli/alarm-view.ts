/**
 * The fields of an alarm record (`GET /api/v1/alarms`) the CLI shows. The
 * alarm API is its own service's; the CLI reads only these, so new fields
 * never break it.
 */
export interface AlarmSummary {
  id: number;
  device: string;
  alarm: string;
  severity: string;
  message: string;
  state: 'active' | 'cleared';
  acknowledged: boolean;
  lastRaised: number | null;
  raiseCount: number;
  ackedBy: string | null;
}
