/** The error a Kafka source stops with when the offset state holds is outside the partition's log at the broker. */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export interface OutOfRange {
  stepId: string;
  topic: string;
  brokers: string;
  partition: number;
  /** The next offset to read, as state holds it. */
  next: number;
  low: number;
  high: number;
}

export function offsetOutOfRange(o: OutOfRange): FlywheelError {
  const cause =
    o.next > o.high
      ? 'the log ends before it: the topic was recreated or emptied (a broker that lost its data)'
      : 'the log now starts after it: retention deleted records the job had not read';
  return new FlywheelError(
    ErrorCodes.SOURCE,
    `stored offset ${o.next} of topic ${o.topic} partition ${o.partition} is out of range at ${o.brokers}: the log holds offsets ${o.low} to ${o.high - 1}; ${cause}. Nothing was read past the stored offset and state is unchanged`,
    { stepId: o.stepId, topic: o.topic, partition: o.partition, offset: o.next },
    'restore the topic\'s data and restart; or, to read the topic as it is now from its beginning, start the job on a new state directory (the old state stays as it was); see docs/kafka.md, "When the broker loses data"',
  );
}
