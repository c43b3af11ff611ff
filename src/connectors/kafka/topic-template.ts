/**
 * The topic a Kafka sink writes a record to: a fixed name, or a template naming fields of the record's value in
 * braces, as a Kafka Streams TopicNameExtractor picks a topic per record: `actions.{channel}` sends an action on
 * channel `sms` to `actions.sms`. The template's fixed parts are checked when the topology loads; a record whose
 * field is missing or gives no legal topic name is refused (the runtime sends it to the dead-letter sink).
 */
import { pathReader } from '../../api/aggregators.js';

/** Kafka's legal topic names: ASCII letters, digits, '.', '_' and '-', at most 249 characters, not '.' or '..'. */
const LEGAL = /^[A-Za-z0-9._-]{1,249}$/;

export type TopicChoice = { topic: string } | { refusal: string };

export interface TopicTemplate {
  /** The topic when the template names no field. */
  readonly fixed: string | null;
  topicOf(value: unknown): TopicChoice;
}

function legal(topic: string): boolean {
  return LEGAL.test(topic) && topic !== '.' && topic !== '..';
}

/** The template, or a sentence saying what is wrong with it. */
export function compileTopicTemplate(template: string): TopicTemplate | string {
  const parts = template.split(/\{([^{}]*)\}/);
  if (parts.length === 1) return legal(template) ? { fixed: template, topicOf: () => ({ topic: template }) } : `'${template}' is not a legal Kafka topic name`;
  const fixedParts = parts.filter((_, i) => i % 2 === 0);
  if (fixedParts.some((p) => /[^A-Za-z0-9._-]/.test(p)))
    return `the fixed parts of the topic template '${template}' may hold only letters, digits, '.', '_' and '-', and {field} names`;
  const fields = parts.filter((_, i) => i % 2 === 1);
  if (fields.some((f) => !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(f)))
    return `the topic template '${template}' names a field that is not a field path (write {channel} or {offer.kind})`;
  const readers = parts.map((p, i) => (i % 2 === 1 ? pathReader(p) : null));
  return {
    fixed: null,
    topicOf(value) {
      let topic = '';
      for (let i = 0; i < parts.length; i++) {
        if (i % 2 === 0) {
          topic += parts[i];
          continue;
        }
        const field = readers[i]!(value);
        if (typeof field !== 'string' && !(typeof field === 'number' && Number.isInteger(field)))
          return { refusal: `the topic template '${template}' names field '${parts[i]}', which the record has no text or integer at` };
        topic += String(field);
      }
      return legal(topic) ? { topic } : { refusal: `the topic template '${template}' gives '${topic.slice(0, 80)}', which is not a legal Kafka topic name` };
    },
  };
}
