/** Building sensor readings for the `iot-sensors` example pipeline. */
import type { RecordFactory } from './types';

const SITES = ['hq', 'lab', 'depot'];

export const iotSensorsRecords: RecordFactory = {
  pipeline: 'iot-sensors',
  // 1-minute windows, 30 s out-of-orderness, 10 min allowed lateness.
  defaults: { keys: 20, spacingMs: 100, maxJitterMs: 20_000, lateByMs: [90_000, 300_000] },
  eventIdPrefix: 'r',
  keyOf: (i) => `dev-${SITES[i % SITES.length]}-${String(i).padStart(3, '0')}`,
  valid({ key, eventTimeMs, eventId, random }) {
    // Each device has its own typical temperature so per-device windows differ.
    const base = 18 + (parseInt(key.slice(-3), 10) % 7);
    return {
      record: {
        reading_id: eventId,
        device_id: key,
        measured_at: new Date(eventTimeMs).toISOString(),
        temperature_c: Math.round(random.normal(base, 0.8) * 100) / 100,
        humidity_pct: Math.round(random.normal(45, 6) * 10) / 10,
        battery_v: Math.round((3 + random.next() * 0.6) * 100) / 100,
        firmware: random.chance(0.9) ? '1.4.2' : '1.5.0',
      },
      attributes: {},
    };
  },
  corrupt(record, random) {
    switch (random.int(0, 3)) {
      case 0: {
        const text = JSON.stringify(record);
        return { payload: text.slice(0, Math.floor(text.length / 2)), defect: 'truncated JSON' };
      }
      case 1: {
        const { temperature_c: _t, ...rest } = record;
        return { payload: JSON.stringify(rest), defect: 'missing required temperature_c' };
      }
      case 2:
        return { payload: JSON.stringify({ ...record, temperature_c: 999 }), defect: 'temperature_c outside the plausible range' };
      default:
        return { payload: JSON.stringify({ ...record, device_id: 'DEVICE 7' }), defect: 'device_id does not match ^dev-[0-9a-z-]+$' };
    }
  },
};
