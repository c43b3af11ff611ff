/**
 * The text fields of Nexmark events as the reference generator makes them (nexmark/nexmark, nexmark-flink
 * StringsGenerator, PersonGenerator, BidGenerator): random lowercase strings with an occasional space, trimmed;
 * `extra` padding cut from one long random string so events average the reference sizes; bid channels, half of
 * them one of four hot channels, the rest one of 10,000 numbered channels with fixed URLs. The reference builds the
 * long string and the URLs from an unseeded random source; here they come from a fixed seed, so runs repeat.
 */
import { SeededRandom } from '../../core/seeded-random.js';

const MIN_STRING_LENGTH = 3;
const EXTRA_SOURCE_LENGTH = 1024 * 1024;
const CHANNELS_NUMBER = 10_000;
export const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;

/** A string of 3 to maxLength - 1 characters, each a space with chance 1/13, else a lowercase letter; trimmed. */
export function nextString(r: SeededRandom, maxLength: number, special = ' '): string {
  let len = MIN_STRING_LENGTH + r.int(maxLength - MIN_STRING_LENGTH);
  let s = '';
  while (len-- > 0) s += r.int(13) === 0 ? special : String.fromCharCode(97 + r.int(26));
  return s.trim();
}

let extraSource: string | undefined;

function extraSourceText(): string {
  if (extraSource === undefined) {
    const r = new SeededRandom(0x6e65786d);
    const codes = new Uint8Array(EXTRA_SOURCE_LENGTH);
    for (let k = 0; k < codes.length; k++) codes[k] = 97 + r.int(26);
    extraSource = Buffer.from(codes).toString('latin1');
  }
  return extraSource;
}

/** Padding such that currentSize + its length averages desiredAverageSize (+-20%), or '' if already larger. */
export function nextExtra(r: SeededRandom, currentSize: number, desiredAverageSize: number): string {
  if (currentSize > desiredAverageSize) return '';
  const remaining = desiredAverageSize - currentSize;
  const delta = Math.round(remaining * 0.2);
  const length = remaining - delta + (delta === 0 ? 0 : r.int(2 * delta));
  const source = extraSourceText();
  const offset = r.int(source.length - length);
  return source.substring(offset, offset + length);
}

function baseUrl(r: SeededRandom): string {
  return `https://www.nexmark.com/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/${nextString(r, 5, '_')}/item.htm?query=1`;
}

/** Bit reversal of a 32-bit integer, as Java's Integer.reverse. */
function reverseBits(i: number): number {
  let x = i >>> 0;
  let y = 0;
  for (let k = 0; k < 32; k++) {
    y = (y << 1) | (x & 1);
    x >>>= 1;
  }
  return y | 0;
}

interface Channels {
  hotUrls: string[];
  names: string[];
  urls: string[];
}

let channels: Channels | undefined;

function channelTable(): Channels {
  if (channels === undefined) {
    const r = new SeededRandom(0x63686e6c);
    const hotUrls = HOT_CHANNELS.map(() => baseUrl(r));
    const names: string[] = [];
    const urls: string[] = [];
    for (let i = 0; i < CHANNELS_NUMBER; i++) {
      const url = baseUrl(r);
      names.push(`channel-${i}`);
      urls.push(r.int(10) > 0 ? `${url}&channel_id=${Math.abs(reverseBits(i))}` : url);
    }
    channels = { hotUrls, names, urls };
  }
  return channels;
}

/** A bid's channel and URL: a hot channel with chance 1/2 (HOT_CHANNELS_RATIO 2), else a numbered one. */
export function nextChannel(r: SeededRandom): { channel: string; url: string } {
  const table = channelTable();
  if (r.int(2) > 0) {
    const i = r.int(HOT_CHANNELS.length);
    return { channel: HOT_CHANNELS[i]!, url: table.hotUrls[i]! };
  }
  const i = r.int(CHANNELS_NUMBER);
  return { channel: table.names[i]!, url: table.urls[i]! };
}
