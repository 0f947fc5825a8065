import type { DeviceStatus, ReaderNotice, ScanAction } from "@tally/protocols";

/** What a device told the edge, after decoding and validation. Times are ISO 8601 device times. */
export type Observation =
  | TagReadObservation
  | ReaderNoticeObservation
  | ScanObservation
  | WeightObservation
  | TemperatureObservation
  | HeartbeatObservation;

export interface TagReadObservation {
  type: "tag-read";
  id: string;
  deviceId: string;
  /** EPC as upper-case hex. */
  epc: string;
  antenna: number;
  /** dBm */
  rssi: number;
  at: string;
  /** `at` in ms since the epoch, when decoding has it (carried as a number so that no stage parses `at` again). */
  atMs?: number | undefined;
  /**
   * When the edge received the message, ms since the epoch (the journalled
   * time on a replay): what reader clocks are checked against.
   */
  receivedAtMs?: number | undefined;
}

export interface ScanObservation {
  type: "scan";
  id: string;
  deviceId: string;
  gtin: string;
  qty: number;
  action: ScanAction;
  /** A location of the site file (a scanned GLN is already mapped to its location). */
  location: string;
  /** PUTAWAY only: where the stock came from, a location of the site file. */
  fromLocation?: string | undefined;
  lot?: string | undefined;
  /** ISO date, from the barcode's AI 17. */
  expiry?: string | undefined;
  at: string;
  /** Who scanned, as the scanner sent it. */
  operatorId?: string | undefined;
}

export interface WeightObservation {
  type: "weight";
  id: string;
  deviceId: string;
  location: string;
  /** Net load on the bin, grams. */
  grams: number;
  at: string;
}

export interface TemperatureObservation {
  type: "temperature";
  id: string;
  deviceId: string;
  location: string;
  /** °C */
  celsius: number;
  at: string;
}

/** A heartbeat, or a device's word on its own link: `online` when it connects, `offline` from its MQTT will. */
export interface HeartbeatObservation {
  type: "heartbeat";
  id: string;
  deviceId: string;
  /** Absent from an `offline` will, which is written at connect time. */
  at?: string | undefined;
  status?: DeviceStatus | undefined;
}

/** A reader reported something that is not a read but matters, e.g. its buffer overflowed and reads were lost. */
export interface ReaderNoticeObservation {
  type: "reader-notice";
  id: string;
  deviceId: string;
  notice: ReaderNotice;
  at: string;
}
