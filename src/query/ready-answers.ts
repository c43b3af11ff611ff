/**
 * Answers kept ready to send. A route that answers a key's value state as JSON asks for a `ReadyAnswer`: the bytes
 * of its rendering of that value, which a store that can see its stored bytes renders once per stored version and
 * then hands out as they are (lmdb-ready-answers.ts), so a lookup of an unchanged value costs a state read and a
 * copy of bytes. Over a reader that cannot (the in-memory readers of tests), the value is rendered at each request.
 */
import type { StateReader } from '../state/reader.js';

/**
 * The answer for a key, or undefined when the key has no (unexpired) value: its UTF-8 bytes held as a latin1 string
 * (one character per byte), which node:http writes together with the header in one write, byte for byte.
 */
export type ReadyAnswer = (key: string) => string | undefined;

/** The latin1 string of a rendered answer's UTF-8 bytes. */
export const readyBytes = (text: string): string => Buffer.from(text).toString('latin1');

export interface ReadyAnswers {
  /** Answers for value state `name` of step `stepId`, each the bytes of `render(value)`. */
  of<T>(stepId: string, name: string, render: (value: T) => string): ReadyAnswer;
}

/** Renders at every request: for readers that do not expose stored bytes. */
export function renderedEachTime(state: StateReader): ReadyAnswers {
  return {
    of<T>(stepId: string, name: string, render: (value: T) => string): ReadyAnswer {
      return (key) => {
        const value = state.value<T>(stepId, key, name);
        return value === undefined ? undefined : readyBytes(render(value));
      };
    },
  };
}
