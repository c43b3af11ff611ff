/**
 * The rules in force (GET /rules), read-only: per rules file the steps that use it, what the model proposes, the
 * decision rules in order (when, then reject or adjust) and the contact rules of the send path, each with what it
 * means in words.
 */
import type { RulesAnswer, RulesFileView } from '../../../src/jobs/scoring/rules-route.js';
import { usePoll } from '../api.js';
import { num } from '../parts/format.js';
import { Problem } from '../parts/problem.js';

const USE = { decisions: 'decides with it', contact: 'checks actions against its contact rules' } as const;

function RulesFile({ f }: { f: RulesFileView }) {
  const offer = Object.entries(f.decision.offer);
  return (
    <section data-testid={`rules-file-${f.file}`} class="rules-file">
      <h2>
        <code>{f.file}</code>
      </h2>
      <p>{f.steps.map((s) => `step ${s.step} ${USE[s.use]}`).join('; ')}.</p>
      <p>
        The model proposes <strong>{f.decision.action}</strong> when its score is at least {num(f.decision.threshold, 4)}
        {offer.length > 0 && `, offering ${offer.map(([k, v]) => `${k} ${String(v)}`).join(', ')}`}. Inputs: {f.inputs.join(', ') || 'none'}
        {Object.keys(f.constants).length > 0 && `; constants: ${Object.entries(f.constants).map(([k, v]) => `${k} = ${String(v)}`).join(', ')}`}.
      </p>
      <h3>Decision rules, in the order they apply</h3>
      {f.rules.length === 0 ? (
        <p class="note">None: the model's proposal stands.</p>
      ) : (
        <table data-testid="decision-rules">
          <thead>
            <tr><th>rule</th><th>when</th><th>then</th></tr>
          </thead>
          <tbody>
            {f.rules.map((r) => (
              <tr key={r.id} data-rule={r.id}>
                <td>
                  <code>{r.id}</code>
                  {r.description && <div class="note">{r.description}</div>}
                </td>
                <td><code>{r.when}</code></td>
                <td>
                  {r.kind === 'reject' ? (
                    <>reject: {r.reject}</>
                  ) : (
                    <>
                      {r.score !== null && (
                        <div>
                          score becomes <code>{r.score}</code>
                        </div>
                      )}
                      {Object.entries(r.offer).map(([field, value]) => (
                        <div key={field}>
                          offer.{field} becomes <code>{value}</code>
                        </div>
                      ))}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Contact rules, checked in order on the send path</h3>
      {f.contact === null ? (
        <p class="note">This file has no contact rules.</p>
      ) : (
        <>
          <p class="note">
            The user's time zone is the action's <code>{f.contact.timeZoneField}</code> field, else {f.contact.defaultTimeZone}. The first broken rule suppresses the action.
          </p>
          <table data-testid="contact-rules">
            <thead>
              <tr><th>rule</th><th>kind</th><th>setting</th><th>channels</th><th>what it means</th></tr>
            </thead>
            <tbody>
              {f.contact.rules.map((r) => (
                <tr key={r.id} data-rule={r.id}>
                  <td>
                    <code>{r.id}</code>
                    {r.description && <div class="note">{r.description}</div>}
                  </td>
                  <td>{r.kind}</td><td><code>{r.setting}</code></td><td>{r.channels?.join(', ') ?? 'all'}</td><td class="reason" data-field="meaning">{r.meaning}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function RulesPage() {
  const { data, error } = usePoll<RulesAnswer>('rules', 30_000);
  if (!data) return <Problem error={error} waiting="Reading the rules…" absent="This job has no step with a rules file." />;
  return (
    <div>
      <p class="note">The rules as the job loaded them at start-up; a change to a file takes effect when the job starts again.</p>
      {data.files.map((f) => (
        <RulesFile key={f.file} f={f} />
      ))}
    </div>
  );
}
