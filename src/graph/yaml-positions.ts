/** Finds where a value sits in a YAML document: the printable path (`steps[2].assigner.size`) and its line. */
import { isNode, type LineCounter, type Document } from 'yaml';

export type YamlPath = Array<string | number>;

export function printPath(path: YamlPath): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg), '');
}

/** The 1-based line of the deepest node of `path` that exists in the document. */
export function lineOf(doc: Document, lines: LineCounter, path: YamlPath): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
