/**
 * A start-up check of a Kafka step's librdkafka settings, made before the job touches its state directory: the
 * client is constructed with the settings (librdkafka validates every property name and value then) but never
 * connected, so a misspelt or invalid `rdkafka:` setting is a clear error naming the step instead of a failure
 * after state was opened. Reaching the broker is not checked here: a broker that is down is waited for (readiness).
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { KafkaCommonOptions } from './kafka-options.js';
import { loadRdkafka } from './rdkafka.js';

export async function checkKafkaSettings(kind: 'source' | 'sink', options: KafkaCommonOptions, stepId: string): Promise<void> {
  const rdkafka = await loadRdkafka();
  const settings = { 'bootstrap.servers': options.brokers, ...(options.rdkafka ?? {}) };
  try {
    if (kind === 'source') new rdkafka.KafkaConsumer({ 'group.id': 'flywheel-config-check', ...settings }, {});
    else new rdkafka.Producer(settings);
  } catch (err) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `librdkafka refuses the settings of Kafka ${kind} '${stepId}': ${(err as Error).message}`,
      { stepId },
      "fix the setting under the step's connector.rdkafka (see librdkafka's CONFIGURATION.md)",
      err,
    );
  }
}
