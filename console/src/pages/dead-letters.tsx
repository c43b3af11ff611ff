/**
 * The latest dead letters, newest first, a page at a time: where each came from and why. The record itself is shown
 * only on request, by a route that needs an admin token; a lesser token sees the endpoint's refusal.
 */
import { useState } from 'preact/hooks';
import type { DeadLetterEntry, DeadLetterPage } from '../../../src/runtime/recent-dead-letters.js';
import { getJson, usePoll } from '../api.js';
import { num, time } from '../parts/format.js';

const PAGE = 20;

function Record({ id }: { id: string }) {
  const [shown, setShown] = useState<{ entry?: DeadLetterEntry; refused?: string } | null>(null);
  if (!shown) {
    return (
      <button type="button" onClick={() => getJson<DeadLetterEntry>(`dead-letters/${encodeURIComponent(id)}`).then((entry) => setShown({ entry }), (err: Error) => setShown({ refused: err.message }))}>
        record
      </button>
    );
  }
  if (shown.refused) return <span class="refused" data-testid="record-refused">{shown.refused}</span>;
  return <pre class="record">{JSON.stringify(shown.entry!.record, null, 1)}</pre>;
}

export function DeadLetters() {
  const [offset, setOffset] = useState(0);
  const { data } = usePoll<DeadLetterPage>(`dead-letters?offset=${offset}&limit=${PAGE}`, 5_000);
  return (
    <section data-testid="dead-letters">
      <h2>Latest dead letters</h2>
      {!data || data.items.length === 0 ? (
        <p class="note">{data ? `None delivered since the job started (${num(data.total)}).` : '…'}</p>
      ) : (
        <>
          <table>
            <thead>
              <tr><th>delivered</th><th>step</th><th>source, partition, offset</th><th>reason</th><th /></tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <tr key={d.id}>
                  <td>{time(d.deliveredAt)}</td><td>{d.step}</td><td>{d.source === null ? '–' : `${d.source} ${d.partition} ${d.offset}`}</td><td class="reason">{d.reason}</td>
                  <td><Record id={d.id} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>newer</button>
            {` ${offset + 1}–${offset + data.items.length} of the ${num(data.kept)} kept (${num(data.total)} since the job started) `}
            <button type="button" disabled={offset + PAGE >= data.kept} onClick={() => setOffset(offset + PAGE)}>older</button>
          </p>
        </>
      )}
    </section>
  );
}
